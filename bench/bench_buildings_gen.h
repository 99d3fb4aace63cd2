/* A deterministic Seoul-scale building set for bench/buildings: the real
 * footprints of assets/data/buildings (Cheongna and Yeouido), moved into
 * EPSG:5186, rotated, scaled to fit and scattered on a jittered grid over a
 * Seoul-sized extent, with heights, courtyards (holes), two-part
 * MultiPolygons and a few invalid rings (bowties, spikes with repeated
 * points). The same count always gives the same features. */
#ifndef BENCH_BUILDINGS_GEN_H
#define BENCH_BUILDINGS_GEN_H

#include <stdbool.h>
#include <stddef.h>

/* Seoul's extent in EPSG:5186 (about 36 x 30 km). */
#define BBG_XMIN 180000.0
#define BBG_YMIN 536000.0
#define BBG_XMAX 216000.0
#define BBG_YMAX 566000.0

typedef struct bbg_counts {
    long features, holes, multis, invalid, null_heights, templates;
} bbg_counts;

/* Writes count footprints to each non-NULL path (GPKG with its R-tree,
 * FlatGeobuf with its index), layer "buildings", fields height (Real, some
 * NULL), floors (Integer) and use (String). assets_dir holds the two
 * GeoJSON files. */
bool bbg_generate(const char *assets_dir, long count, const char *gpkg, const char *fgb,
                  bbg_counts *out, char *err, size_t n);

/* The national-scale case: bx x by Seoul-sized blocks of per_block
 * footprints each, side by side (east, then north), to one FlatGeobuf with
 * its index. Block (0, 0) lies on Seoul's extent and holds exactly
 * bbg_generate's per_block features, so a view of Seoul sees the same
 * buildings in both files; the other blocks have seeds of their own. */
bool bbg_generate_national(const char *assets_dir, long per_block, int bx, int by, const char *fgb,
                           bbg_counts *out, char *err, size_t n);

#endif
