/* A building's attributes, read from its source by FID when it is picked
 * (a load keeps only the FID, the height inputs and one class field). */
#include "geo_buildings.h"

#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *geo_buildings_class(const geo_buildings *b, int f)
{
    if (!b->class_at || f < 0 || f >= b->polys.count || !b->class_at[f]) return NULL;
    return b->class_text + b->class_at[f] - 1;
}

void geo_battrs_free(geo_battrs *a)
{
    for (int i = 0; i < a->count; i++) {
        free(a->names ? a->names[i] : NULL);
        free(a->values ? a->values[i] : NULL);
    }
    free(a->names);
    free(a->values);
    memset(a, 0, sizeof *a);
}

tw_result geo_buildings_read_attrs(const geo_vector_desc *src, const geo_frame *frame, long fid,
                                   geo_battrs *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    geo_vector_desc d = *src;
    d.has_bbox = false; /* GetFeature ignores filters; none set on a shared dataset */
    d.where = NULL;
    geo_vector_source s;
    char crs[64];
    d.want_polygons = true; /* the layer the load read */
    tw_result r = geo_vector_open(&d, frame, &s, crs, sizeof crs, err, n);
    if (r != TW_OK) return TW_ERR_IO;
    OGRFeatureH f = OGR_L_GetFeature(s.layer, (GIntBig)fid);
    if (!f) {
        snprintf(err, n, "feature %ld cannot be read back by its FID", fid);
        geo_vector_close(&s);
        return TW_ERR_IO;
    }
    OGRFeatureDefnH def = OGR_F_GetDefnRef(f);
    int fc = OGR_FD_GetFieldCount(def);
    bool recode = !(src->encoding && src->encoding[0]), recoded = false;
    out->names = calloc((size_t)fc + 1, sizeof *out->names);
    out->values = calloc((size_t)fc + 1, sizeof *out->values);
    r = out->names && out->values ? TW_OK : TW_ERR_NOMEM;
    for (int i = 0; r == TW_OK && i < fc; i++) {
        out->count = i + 1;
        out->names[i] = strdup(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(def, i)));
        out->values[i] = geo_vector_field_text(f, i, recode ? &recoded : NULL);
        if (!out->names[i]) r = TW_ERR_NOMEM;
    }
    OGR_F_Destroy(f);
    geo_vector_close(&s);
    if (r != TW_OK) {
        geo_battrs_free(out);
        snprintf(err, n, "out of memory reading a feature's attributes");
    }
    return r;
}
