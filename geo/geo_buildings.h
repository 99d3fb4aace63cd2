/* Buildings from any OGR polygon source (GeoJSON, GPKG, shapefile,
 * FlatGeobuf, KML, CSV with WKT; any CRS): footprints with a height each
 * and their source FID (the pick panel reads a feature's attributes by FID
 * when it is picked: geo_buildings_read_attrs), and two meshes for the whole
 * chunk of the set (roofs and walls, from geo_polymesh) that the caller
 * raises onto the ground. Loading runs on a worker; the rest is plain geometry. */
#ifndef GEO_BUILDINGS_H
#define GEO_BUILDINGS_H

#include "geo_vector.h"
#include "tw_heightfield.h"
#include "tw_mesh.h"

#include <stdint.h>

#define GEO_BUILDINGS_FLOOR_M   3.3
#define GEO_BUILDINGS_DEFAULT_M 10.0
#define GEO_BUILDINGS_MAX_M     1000.0 /* taller is taken as a bad value */
#define GEO_BUILDINGS_SOURCES   24     /* height fields tried, at most */
#define GEO_BUILDINGS_CHUNK_M   500.0  /* side of a chunk's grid cell, scene metres */

typedef struct geo_buildings_desc {
    geo_vector_desc src;
    const char *height_field; /* metres; NULL: try the common names */
    const char *floors_field; /* floors above ground; NULL: the common names */
    double floor_height_m;    /* 0: GEO_BUILDINGS_FLOOR_M */
    double default_height_m;  /* 0: GEO_BUILDINGS_DEFAULT_M */
    double chunk_m;           /* 0: GEO_BUILDINGS_CHUNK_M */
    /* One attribute kept per building as text (a categorical colour);
     * NULL: none. Every other attribute is read on pick. */
    const char *class_field;
    /* A tile of a layer streamed by view: only features whose bounding-box
     * centre lies in [keep[0], keep[2]) x [keep[1], keep[3]) (scene metres)
     * are kept, so a feature crossing tiles is loaded once. The source is
     * read with a spatial filter around the tile: src.bbox when has_bbox,
     * else the tile's rectangle taken into the source's CRS here. */
    bool has_keep;
    double keep[4];
    /* A layer read whole, 20,000 features or more (that number:
     * geo_buildings_set_later_from): the chunks (their features, boxes,
     * origins and far_err) are made at load and their meshes when first
     * wanted (geo_buildings_chunks_make): a view's first frame waits only
     * for the chunks it draws in full or as far boxes. */
    bool meshes_later;
    /* A whole read to be written to the on-disk cache: the chunks' meshes
     * are made when first wanted whatever the size (the cache holds what
     * they are made from besides the footprints: each footprint's roof
     * triangles, kept in b->later until every chunk is made). */
    bool for_cache;
    /* With for_cache: the cache's temporary file
     * (geo_buildings_cache_points_file), where a large read's points are
     * written as they are read (geo_farray.h), so the cache writer does
     * not copy them; NULL: the heap. */
    const char *points_file;
    /* Called (with features_read_user) on the loading thread once every
     * feature is read, before the rest of the load (repairs, order,
     * chunks), which runs on that thread alone: the app's headless GL
     * warm-up waits for it rather than take a core from the read. NULL:
     * none. */
    void (*features_read)(void *user);
    void *features_read_user;
} geo_buildings_desc;

/* The buildings whose footprint centres fall in one grid cell: features
 * f0 .. f1 - 1 (the loader orders features by cell), with their own
 * origin and meshes so a frame can draw or skip them together. No mesh
 * has normals (they are drawn with flat normals, rn_fill_item.flat_normals)
 * nor colours: each vertex has x, y from the origin, z 0 (bottom) or 1
 * (top), and the id (TW_MESH_IDS) of its building in the chunk (feature
 * f0 + id); the vertex shader raises and colours it from the building's
 * row of a table (geo_buildings_row: z = base + z * height). Walls hold
 * each ring point twice (bottom at an even vertex, top at the next) and,
 * after each building's wall triangles, its roof's triangles on those top
 * vertices: a roof adds no vertex, and roofs is always empty (no vertex,
 * no index; roof_v0 NULL) since cache format 8. Feature f0 + i's vertices
 * are wall_v0[i] .. wall_v0[i + 1] - 1. Once uploaded the
 * app frees the arrays (geo_buildings_chunk_release) and keeps the counts. */
typedef struct geo_buildings_chunk {
    int f0, f1;
    double origin[3];
    double box[6]; /* xmin ymin zmin xmax ymax zmax, scene metres, z as drawn once raised */
    tw_mesh roofs, walls;
    uint32_t *roof_v0, *wall_v0;
    /* Far away: every building as its bounding box, 10 triangles on 8 corners (feature
     * f0 + i's vertices are GEO_BUILDINGS_FAR_V * i onwards). */
    tw_mesh far;
    /* What the far boxes lose: the root of the mean area per building
     * between its box and its footprint (m; geo_buildings_obox). */
    float far_err;
} geo_buildings_chunk;

#define GEO_BUILDINGS_FAR_V                                                                        \
    8 /* vertices of a building's box: corner k at 2k (bottom), 2k + 1 (top) */

typedef struct geo_buildings geo_buildings;
typedef struct geo_bmap geo_bmap; /* a mapped cache file (geo_buildings_cache.c) */

/* A building's row of the table the meshes are drawn with (16 bytes, the
 * layout of rn_table's rows): its base and height as drawn (exaggerated,
 * scene metres), its colour. */
typedef struct geo_buildings_row {
    float base, height;
    uint8_t rgba[4];
    uint32_t flags; /* unused: 0 */
} geo_buildings_row;

/* The levels below the far boxes (geo_buildings_block.c): chunk c's
 * buildings' boxes (footprint bounding boxes, from rows[i].base to
 * rows[i].base + rows[i].height for feature c->f0 + i, in rows[i].rgba),
 * binned by box centre into an n_side x n_side grid of square cells (the
 * boxes' extent's longer side / n_side, n_side 1 .. GEO_BUILDINGS_BLOCK_N),
 * each non-empty cell one box over the union of its buildings' boxes,
 * from their lowest base to their highest top (the skyline kept: from as
 * far as blocks are drawn a cell is a pixel or so, and a mean height would
 * sink the towers that make the city's silhouette), in the mean of its
 * buildings' colours weighted by their box areas (what the eye blends at
 * that size). At most n_side^2 blocks with a colour per vertex, z as
 * drawn, in c->origin (x, y; z 0), in the form asked:
 * - GEO_BLOCKS_BOXES: each a box, 10 triangles on 8 corners;
 * - GEO_BLOCKS_CAST: each only its top, 2 triangles on 4 corners (counter-
 *   clockwise seen from above), each corner's normal the vector from it to
 *   the box's diagonally opposite bottom corner: what rn_fill ray-casts as
 *   the whole box (rn_fill_item.cast_boxes), a fifth of the triangles.
 * Empty for an empty chunk. */
#define GEO_BUILDINGS_BLOCK_N 8
typedef enum geo_blocks_form { GEO_BLOCKS_BOXES, GEO_BLOCKS_CAST } geo_blocks_form;
tw_result geo_buildings_block(const geo_buildings *b, const geo_buildings_chunk *c,
                              const geo_buildings_row *rows, int n_side, geo_blocks_form form,
                              tw_mesh *out);
/* The blocks of count of b's chunks (indices into b->chunks) in one mesh
 * at origin (x, y; z 0), rows the whole set's (feature f's row rows[f]):
 * each chunk's blocks as geo_buildings_block makes them, binned in its own
 * grid, shifted from its origin to this one (a far overview draws many
 * chunks' blocks in one call). TW_ERR_TOOBIG over 65,535 vertices (8 a
 * box, 4 a cast block). */
tw_result geo_buildings_blocks(const geo_buildings *b, const int *chunks, int count,
                               const geo_buildings_row *rows, int n_side, geo_blocks_form form,
                               const double origin[2], tw_mesh *out);

/* Feature f's far box (geo_buildings_block.c): the smallest rectangle
 * over its outer rings among those along each of their edges (at most
 * GEO_BUILDINGS_OBOX_DIRS of them, evenly picked) and along the axes (an
 * axis box unless a turned one is smaller): a turned rectangular
 * footprint's is itself, not the larger axis box. Corners
 * counter-clockwise in q (scene metres); returns the area it adds to the
 * footprint (m^2, 0 at least). */
#define GEO_BUILDINGS_OBOX_DIRS 32
double geo_buildings_obox(const geo_polygons *p, int f, double q[4][2]);
/* Chunk c's far_err from its footprints: the root of the mean of what
 * geo_buildings_obox adds (m). */
float geo_buildings_far_err(const geo_buildings *b, const geo_buildings_chunk *c);

/* Where heights came from: a field (metres or floors) or the default. */
typedef struct geo_buildings_source {
    char field[64];
    bool floors;
    int count;
} geo_buildings_source;

struct geo_buildings {
    geo_polygons polys; /* footprints in scene metres, fid per feature */
    double *height;     /* per feature, metres above its base */
    double *floors;     /* per feature, NAN where unknown */
    char **fields;      /* attribute names */
    int field_count;
    /* desc->class_field's text per feature: class_text + class_at[f] - 1,
     * class_at[f] 0 for null; class_at NULL when there is no such field. */
    char *class_text;
    size_t class_len, class_cap;
    uint32_t *class_at;
    int defaulted; /* features that got the default height */
    geo_buildings_source sources[GEO_BUILDINGS_SOURCES];
    int source_count;
    double hmin, hmax;
    geo_buildings_chunk *chunks; /* features are in chunk order */
    int chunk_count;
    int roofless; /* features the triangulator gave no roof */
    int repaired; /* invalid footprints made valid (OGR_G_MakeValid) */
    int outside;  /* features read but left to a neighbouring tile (has_keep) */
    /* A large load's chunk meshes live in one mapping (huge pages where the
     * kernel gives them: far fewer page faults); meshes outside it (a
     * cache read, a small tile) are each their own allocation. */
    void *mesh_arena;
    size_t mesh_arena_size;
    /* Per 2 MB region of the arena (aligned to 2 MB in memory), the bytes
     * of meshes not yet released in it, counted at the first release; a
     * region that reaches 0 goes back to the kernel at once. */
    uint32_t *mesh_arena_live;
    int mesh_arena_live_regions; /* regions still holding a mesh */
    /* A cache read maps the file (read-only) and its large arrays point
     * into it: footprints, their points and rings, floors, class offsets,
     * the roof triangles kept in later (height is a copy: edits rewrite it). Such
     * arrays are never freed one by one; geo_buildings_free lets the
     * mapping go. NULL: nothing mapped. */
    geo_bmap *cache_map;
    /* A load's points in desc points_file (polys.xy in cache_map, at file
     * offset GEO_FARRAY_AT): the file's path (NULL: none), device and
     * inode. geo_buildings_cache_write writes the cache around them;
     * geo_buildings_free removes the file if no write took it. */
    char *points_path;
    uint64_t points_dev, points_ino;
    /* Chunks whose meshes are still to make (desc meshes_later or
     * for_cache, or a cache read), with the triangles (and, from a load,
     * far boxes) kept for them; NULL: every chunk has its. */
    struct geo_blater *later;
};

/* Feature f's class_field text, NULL when null or not kept. */
const char *geo_buildings_class(const geo_buildings *b, int f);

/* One feature's attributes, read from its source by FID (on pick). */
typedef struct geo_battrs {
    int count;
    char **names, **values; /* values[i] NULL for null; UTF-8 */
} geo_battrs;

/* Opens src (or uses src->dataset) and reads feature fid's attributes;
 * text that is not UTF-8 in a source naming no encoding is read as CP949;
 * unset and empty fields have a NULL value (the panel leaves them out).
 * TW_ERR_IO (err says why) when the source or the feature cannot be read. */
tw_result geo_buildings_read_attrs(const geo_vector_desc *src, const geo_frame *frame, long fid,
                                   geo_battrs *out, char *err, size_t n);
void geo_battrs_free(geo_battrs *a);

/* Loads every polygon feature and builds both meshes. An empty source or
 * one without polygons is an error (with the skips in err). */
tw_result geo_buildings_load(const geo_buildings_desc *desc, const geo_frame *frame,
                             geo_buildings *out, char *err, size_t n);
void geo_buildings_free(geo_buildings *b);

/* What a source offers for streaming by view (geo_buildings_stream.c). */
typedef struct geo_buildings_probe {
    bool indexed;     /* OGR says its spatial filter is fast (R-tree, FGB index, GiST, .qix) */
    bool same_crs;    /* its CRS is the scene's: tile rectangles are its filters */
    char driver[32];  /* GDAL's short name */
    double extent[4]; /* scene metres */
    /* Where the extent came from: "source" (OGR's exact extent: a file's
     * header or index), "index" (a PostGIS table's GiST index: every row
     * inside) or "scan" (a PostGIS table without one, every row read). */
    const char *extent_from;
    /* Its features as OGR counts them without reading them (a shapefile's
     * .shx, a GeoPackage's contents, a FlatGeobuf's header): the features
     * without a geometry among them, which no tile's spatial filter
     * returns, are told by it once every tile is read; -1 unless the
     * driver keeps one (shapefile, GeoPackage, FlatGeobuf: not PostGIS,
     * whose count is a scan) and no "where" filters the source: then
     * geo_buildings_count_source counts them, off the probe's path. */
    long features;
} geo_buildings_probe;

/* Opens the source (desc's src) on this thread and tells; an error names
 * the source, or the height or floors field desc names that it lacks. */
tw_result geo_buildings_probe_source(const geo_buildings_desc *desc, const geo_frame *frame,
                                     geo_buildings_probe *out, char *err, size_t n);
/* The features of the source (desc's src, its "where" applied) counted
 * on this thread, however long it takes (a PostGIS table: SELECT count(*),
 * a scan); an error names the source. */
tw_result geo_buildings_count_source(const geo_buildings_desc *desc, const geo_frame *frame,
                                     long *count, char *err, size_t n);
/* The rectangle rect (scene metres) as a bounding rectangle in the CRS of
 * the source s was opened on, edges sampled so a curved image is covered. */
void geo_buildings_rect_to_source(const geo_vector_source *s, const double rect[4], double out[4]);

/* The on-disk cache of buildings read whole (geo_buildings_cache.c): one
 * file per source and settings under $XDG_CACHE_HOME/citytwin (else
 * ~/.cache/citytwin), named by a hash of its key and holding the key, so a
 * changed file (size, mtime) or setting misses, and a checksum, so a cut
 * or corrupt file is detected, never trusted. It holds the footprints,
 * heights, chunks and each footprint's roof triangles, not the meshes: a
 * read's chunks are made when first wanted (b->later), as a large load's
 * are, their far boxes from the footprints. */
#define GEO_BUILDINGS_CACHE_VERSION 15u /* the file format (geo_buildings_cache.c) */
bool geo_buildings_cache_dir(char *out, size_t n);
/* The key of a whole read of a local file (path, size, mtime, the keys that
 * shape the buildings, the scene CRS) or of a file over HTTP (/vsicurl/:
 * the URL, size, Last-Modified and ETag from the server's headers); false
 * for sources it does not cache (databases, other /vsi paths, tiles, a
 * server that gives neither a time nor an ETag). */
bool geo_buildings_cache_key(const geo_buildings_desc *d, const geo_frame *frame, char *key,
                             size_t n);
void geo_buildings_cache_path(const char *dir, const char *key, char *out, size_t n);
/* A new temporary file's path for key's cache (dir made if missing): a
 * load's desc points_file; false when dir cannot be made. */
bool geo_buildings_cache_points_file(const char *dir, const char *key, char *out, size_t n);
/* TW_OK: out holds the cached buildings. TW_ERR_IO: no cache (why empty).
 * TW_ERR_FORMAT: a cache that cannot be trusted (why says what is wrong). */
tw_result geo_buildings_cache_read(const char *dir, const char *key, geo_buildings *out, char *why,
                                   size_t n);
/* The same from bytes in memory (name: for the messages). */
tw_result geo_buildings_cache_parse(const uint8_t *data, size_t size, const char *key,
                                    const char *name, geo_buildings *out, char *why, size_t n);
/* Written to a temporary file and renamed into place (a process that has
 * the old file mapped keeps reading the old file). b must have its
 * triangles kept (loaded for_cache, or read from a cache): TW_ERR_ARG
 * once every chunk is made. Then the same source's files in dir that can
 * no longer hit (another format version, or the source as it was: size,
 * mtime, ETag) are removed, and temporary files of writers that are gone;
 * other settings of the same source and other sources stay. */
tw_result geo_buildings_cache_write(const char *dir, const char *key, const geo_buildings *b,
                                    char *why, size_t n);
/* The same on the calling thread alone (a large payload is otherwise
 * written by two): beside other work, such as the first frame drawn while
 * the cache is written, a second writer only contends for the cores and
 * for the file's lock. */
tw_result geo_buildings_cache_write_alone(const char *dir, const char *key, const geo_buildings *b,
                                          char *why, size_t n);
/* The checksum a cache file ends with, of its payload's n bytes. */
uint64_t geo_buildings_cache_sum(const void *data, size_t n);
/* True when p points into b's mapped cache file. */
bool geo_buildings_in_map(const geo_buildings *b, const void *p);
/* A reference to the mapping p points into (NULL when it is not mapped),
 * for an owner that outlives b; let go with geo_buildings_map_drop (which
 * takes a void * so it can be a release callback). */
geo_bmap *geo_buildings_map_keep(const geo_buildings *b, const void *p);
void geo_buildings_map_drop(void *keep);

/* The leading number of a text such as "12", "45 m" or " 3.5;4"; false
 * when it does not start with one (after blanks). */
bool geo_buildings_parse_number(const char *text, double *out);
/* The value of key in hstore text ("k"=>"v","k2"=>"v2", as GDAL's OSM
 * driver writes its "other_tags"), copied into out (cut to n - 1 bytes);
 * false when the key is absent or the text is not hstore. */
bool geo_buildings_hstore_get(const char *text, const char *key, char *out, size_t n);

/* Base of every building (count = features): the lowest ground under its
 * footprint's vertices; 0 where hf is NULL or has no height there. */
void geo_buildings_bases(const geo_buildings *b, const tw_heightfield *hf, double *base);

/* Sets the chunks' boxes' z: from the lowest base to the highest top,
 * times exaggeration (as drawn). The meshes are raised by their table. */
void geo_buildings_raise(geo_buildings *b, const double *base, double exaggeration);
/* Feature f's row's base and height: base[f] and height[f] times
 * exaggeration (rgba and flags left as they are). */
static inline void geo_buildings_row_raise(geo_buildings_row *row, double base, double height,
                                           double exaggeration)
{
    row->base = (float)(base * exaggeration);
    row->height = (float)(height * exaggeration);
}
/* Frees chunk c's mesh arrays (in the mesh arena: gives their pages
 * back), keeping vertex_count and index_count: once the meshes are on
 * the GPU the CPU copies are not needed. */
void geo_buildings_chunk_release(geo_buildings *b, geo_buildings_chunk *c);
/* Bytes of mesh arrays the chunks still hold. */
size_t geo_buildings_mesh_bytes(const geo_buildings *b);
/* With desc meshes_later: whether chunk k's meshes are made; makes those
 * of chunks ks[0 .. n - 1] not made yet, on every core (from one thread at
 * a time, the one that draws and releases them); the chunks not made yet.
 * Once every chunk is made, the triangles kept for them go. An error
 * (out of memory) leaves the chunks it could not make empty. */
bool geo_buildings_chunk_made(const geo_buildings *b, int k);
tw_result geo_buildings_chunks_make(geo_buildings *b, const int *ks, int n);
int geo_buildings_chunks_left(const geo_buildings *b);
/* A reader of the triangles kept for the chunks on another thread (the
 * cache's writer): while b is pinned they stay when the last chunk is
 * made; the last unpin lets them go if every chunk is made by then. From
 * the thread that makes the chunks. */
void geo_buildings_later_pin(geo_buildings *b, bool pin);
/* meshes_later from this many features (20,000; tests and comparisons
 * change it); returns the old value (features < 0: only returns it). */
int geo_buildings_set_later_from(int features);

/* The building the ray origin + t*dir (scene metres, drawn z) meets first,
 * and its t; -1 when none. */
int geo_buildings_hit(const geo_buildings *b, const double *base, double exaggeration,
                      const double origin[3], const double dir[3], double *t);

#endif
