/* Label text from Korean shapefiles: a KOSTAT-style shapefile written in
 * CP949 whose .cpg is lost still gives UTF-8 labels (강남구, not mojibake),
 * with one info line that names the file and the scene key to set. */
#include "geo_crs.h"
#include "geo_gdal.h"
#include "geo_vector.h"
#include "tw_log.h"
#include "tw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int cp949_notes;

static void sink(tw_log_level level, const char *tag, const char *msg, void *user)
{
    (void)tag;
    (void)user;
    if (level == TW_LOG_INFO && strstr(msg, "CP949") && strstr(msg, "gu_cp949.shp") &&
        strstr(msg, "\"encoding\""))
        cp949_notes++;
}

static bool has_label(const geo_outlines *o, const char *text)
{
    for (int i = 0; i < o->label_count; i++)
        if (o->labels[i].text && strcmp(o->labels[i].text, text) == 0) return true;
    return false;
}

static void test_cp949_shapefile_without_cpg(void)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    char gu[1024];
    snprintf(gu, sizeof gu, "%s/assets/data/admin/seoul_gu_2018.geojson", src ? src : ".");
    if (access(gu, R_OK) != 0) TW_SKIP("%s is missing", gu);
    if (system("command -v ogr2ogr >/dev/null 2>&1") != 0)
        TW_SKIP("ogr2ogr (gdal-bin) is not installed");
    char dir[] = "/tmp/citytwin-text-XXXXXX";
    if (!mkdtemp(dir)) TW_SKIP("no temporary folder");
    char shp[256], cpg[256], cmd[2048];
    snprintf(shp, sizeof shp, "%s/gu_cp949.shp", dir);
    snprintf(cpg, sizeof cpg, "%s/gu_cp949.cpg", dir);
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -f 'ESRI Shapefile' -lco ENCODING=CP949 -t_srs EPSG:5186 '%s' '%s'", shp, gu);
    TW_CHECK(system(cmd) == 0);
    TW_CHECK_MSG(unlink(cpg) == 0, "ogr2ogr wrote no %s", cpg);

    geo_frame *frame;
    char err[512];
    TW_CHECK(geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) ==
             TW_OK);
    geo_outlines o;
    geo_vector_desc d = {.path = shp, .label_field = "name", .label_field_en = "name_eng"};
    tw_result r = geo_vector_load_outlines(&d, frame, &o, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s: %s", shp, err);
    if (r == TW_OK) {
        TW_CHECK(o.label_count == 25);
        TW_CHECK_MSG(has_label(&o, "강남구"), "first label: '%s'",
                     o.label_count ? o.labels[0].text : "(none)");
        TW_CHECK(has_label(&o, "종로구"));
        geo_outlines_free(&o);
    }
    TW_CHECK_MSG(cp949_notes == 1, "%d info lines about CP949", cp949_notes);

    /* The scene's "encoding" says it outright: same text, no note. */
    cp949_notes = 0;
    d.encoding = "CP949";
    r = geo_vector_load_outlines(&d, frame, &o, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s: %s", shp, err);
    if (r == TW_OK) {
        TW_CHECK(has_label(&o, "강남구"));
        geo_outlines_free(&o);
    }
    TW_CHECK(cp949_notes == 0);

    /* The polygon loader (the certification map) reads names the same way. */
    d.encoding = NULL;
    geo_polygons p;
    r = geo_vector_load_polygons(&d, "code", frame, &p, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s: %s", shp, err);
    if (r == TW_OK) {
        bool found = false;
        for (int i = 0; i < p.count; i++)
            if (geo_polygons_text(&p, i)->name &&
                strcmp(geo_polygons_text(&p, i)->name, "강남구") == 0)
                found = true;
        TW_CHECK(found);
        geo_polygons_free(&p);
    }
    geo_frame_destroy(frame);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    TW_CHECK(system(cmd) == 0);
}

int main(void)
{
    tw_log_init(TW_LOG_INFO);
    tw_log_set_sink(sink, NULL);
    geo_gdal_init(NULL);
    TW_RUN(test_cp949_shapefile_without_cpg);
    return TW_TEST_END();
}
