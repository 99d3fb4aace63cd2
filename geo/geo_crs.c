/* Scene frame and per-thread transformations over OGR/PROJ. */
#include "geo_crs.h"

#include "tw_log.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <math.h>
#include <ogr_api.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Korean 1985 (Bessel) -> WGS 84, position-vector convention, as used for
 * EPSG:5174/2097 data by Korean agencies. */
static const double GEO_KOREAN1985_TOWGS84[7] = {-115.80, 474.99, 674.11, 1.16, -2.31, -1.63, 6.43};
static const double GEO_BESSEL_A = 6377397.155;
static const double GEO_BESSEL_INVF = 299.1528128;

struct geo_frame {
    atomic_int refs;
    char name[128];
    char *wkt;
    bool local;
};

struct geo_xform {
    OGRCoordinateTransformationH fwd, inv;
    bool identity;
    bool bessel_fixed;
};

tw_result geo_srs_from_text(const char *text, OGRSpatialReferenceH *out, char *err, size_t n)
{
    *out = NULL;
    if (!text || !text[0]) {
        snprintf(err, n, "empty CRS");
        return TW_ERR_CRS;
    }
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    CPLErrorReset();
    if (OSRSetFromUserInput(srs, text) != OGRERR_NONE) {
        snprintf(err, n, "unknown CRS '%s'", text);
        OSRDestroySpatialReference(srs);
        return TW_ERR_CRS;
    }
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    *out = srs;
    return TW_OK;
}

void geo_srs_describe(OGRSpatialReferenceH srs, char *out, size_t n)
{
    const char *auth = OSRGetAuthorityName(srs, NULL);
    const char *code = OSRGetAuthorityCode(srs, NULL);
    if (auth && code) {
        snprintf(out, n, "%s:%s", auth, code);
        return;
    }
    const char *name = OSRGetName(srs);
    snprintf(out, n, "%s", name && name[0] ? name : "unnamed CRS");
}

bool geo_srs_is_unshifted_bessel(OGRSpatialReferenceH srs)
{
    OGRErr e1 = OGRERR_NONE, e2 = OGRERR_NONE;
    double a = OSRGetSemiMajor(srs, &e1);
    double invf = OSRGetInvFlattening(srs, &e2);
    if (e1 != OGRERR_NONE || e2 != OGRERR_NONE) return false;
    if (fabs(a - GEO_BESSEL_A) > 0.01 || fabs(invf - GEO_BESSEL_INVF) > 1e-6) return false;
    double tw[7];
    if (OSRGetTOWGS84(srs, tw, 7) == OGRERR_NONE) {
        bool all_zero = true;
        for (int i = 0; i < 7; i++)
            if (tw[i] != 0) all_zero = false;
        if (!all_zero) return false;
    }
    /* A named datum (Korean 1985, Tokyo, DHDN, MGI...) has a transformation
     * in PROJ's database; only an anonymous Bessel datum is unshifted. */
    const char *datum = OSRGetAttrValue(srs, "DATUM", 0);
    if (!datum || !datum[0]) return true;
    static const char *const anonymous[] = {"unknown",
                                            "unnamed",
                                            "D_Bessel_1841",
                                            "Bessel_1841",
                                            "Bessel 1841",
                                            "Not_specified_based_on_Bessel_1841_ellipsoid",
                                            "Not specified (based on Bessel 1841 ellipsoid)",
                                            "D_unknown",
                                            NULL};
    for (const char *const *p = anonymous; *p; p++)
        if (strcasecmp(datum, *p) == 0) return true;
    return false;
}

static tw_result geo__local_tm(OGRSpatialReferenceH geog, double lon, double lat, char **wkt,
                               char *err, size_t n)
{
    OGRSpatialReferenceH tm = OSRClone(geog);
    char name[96];
    snprintf(name, sizeof name, "citytwin local TM %.6f %.6f", lat, lon);
    OSRSetProjCS(tm, name);
    if (OSRSetTM(tm, lat, lon, 1.0, 0.0, 0.0) != OGRERR_NONE ||
        OSRSetLinearUnits(tm, SRS_UL_METER, 1.0) != OGRERR_NONE ||
        OSRExportToWkt(tm, wkt) != OGRERR_NONE) {
        OSRDestroySpatialReference(tm);
        snprintf(err, n, "cannot build a local transverse Mercator frame");
        return TW_ERR_CRS;
    }
    OSRDestroySpatialReference(tm);
    return TW_OK;
}

tw_result geo_frame_create(const geo_frame_desc *desc, geo_frame **out, char *err, size_t n)
{
    *out = NULL;
    const char *text = desc && desc->crs && desc->crs[0] ? desc->crs : "EPSG:5186";
    OGRSpatialReferenceH srs;
    tw_result r = geo_srs_from_text(text, &srs, err, n);
    if (r != TW_OK) return r;
    geo_frame *f = calloc(1, sizeof *f);
    if (!f) {
        OSRDestroySpatialReference(srs);
        return TW_ERR_NOMEM;
    }
    atomic_init(&f->refs, 1);
    snprintf(f->name, sizeof f->name, "%s", text);
    if (OSRIsGeographic(srs)) {
        double lon = desc && desc->has_center ? desc->center_lon : 127.0;
        double lat = desc && desc->has_center ? desc->center_lat : 37.5;
        r = geo__local_tm(srs, lon, lat, &f->wkt, err, n);
        f->local = true;
    } else if (OSRIsProjected(srs)) {
        if (geo_srs_is_unshifted_bessel(srs)) {
            OSRSetTOWGS84(srs, GEO_KOREAN1985_TOWGS84[0], GEO_KOREAN1985_TOWGS84[1],
                          GEO_KOREAN1985_TOWGS84[2], GEO_KOREAN1985_TOWGS84[3],
                          GEO_KOREAN1985_TOWGS84[4], GEO_KOREAN1985_TOWGS84[5],
                          GEO_KOREAN1985_TOWGS84[6]);
            TW_WARN("crs",
                    "scene CRS '%s' is Bessel 1841 with no datum shift: assuming Korean 1985",
                    text);
        }
        if (OSRExportToWkt(srs, &f->wkt) != OGRERR_NONE) {
            snprintf(err, n, "cannot use CRS '%s'", text);
            r = TW_ERR_CRS;
        }
    } else {
        snprintf(err, n, "CRS '%s' is neither projected nor geographic", text);
        r = TW_ERR_CRS;
    }
    OSRDestroySpatialReference(srs);
    if (r != TW_OK) {
        geo_frame_destroy(f);
        return r;
    }
    *out = f;
    return TW_OK;
}

geo_frame *geo_frame_ref(const geo_frame *frame)
{
    geo_frame *f = (geo_frame *)frame;
    if (f) atomic_fetch_add(&f->refs, 1);
    return f;
}

void geo_frame_destroy(geo_frame *frame)
{
    if (!frame || atomic_fetch_sub(&frame->refs, 1) != 1) return;
    CPLFree(frame->wkt);
    free(frame);
}

const char *geo_frame_wkt(const geo_frame *frame)
{
    return frame->wkt;
}

const char *geo_frame_name(const geo_frame *frame)
{
    return frame->name;
}

bool geo_frame_is_local(const geo_frame *frame)
{
    return frame->local;
}

static OGRSpatialReferenceH geo__frame_srs(const geo_frame *frame)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(frame->wkt);
    if (srs) OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

tw_result geo_xform_create(const geo_frame *frame, OGRSpatialReferenceH src, unsigned flags,
                           geo_xform **out, char *err, size_t n)
{
    *out = NULL;
    geo_xform *xf = calloc(1, sizeof *xf);
    if (!xf) return TW_ERR_NOMEM;
    OGRSpatialReferenceH dst = geo__frame_srs(frame);
    OGRSpatialReferenceH s = OSRClone(src);
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    if (!(flags & GEO_XFORM_NO_BESSEL_FIX) && geo_srs_is_unshifted_bessel(s)) {
        OSRSetTOWGS84(s, GEO_KOREAN1985_TOWGS84[0], GEO_KOREAN1985_TOWGS84[1],
                      GEO_KOREAN1985_TOWGS84[2], GEO_KOREAN1985_TOWGS84[3],
                      GEO_KOREAN1985_TOWGS84[4], GEO_KOREAN1985_TOWGS84[5],
                      GEO_KOREAN1985_TOWGS84[6]);
        xf->bessel_fixed = true;
    }
    tw_result r = TW_OK;
    if (!dst) {
        snprintf(err, n, "scene CRS is unusable");
        r = TW_ERR_CRS;
    } else if (OSRIsSame(s, dst)) {
        xf->identity = true;
    } else {
        CPLErrorReset();
        xf->fwd = OCTNewCoordinateTransformation(s, dst);
        xf->inv = xf->fwd ? OCTNewCoordinateTransformation(dst, s) : NULL;
        if (!xf->fwd || !xf->inv) {
            char name[128];
            geo_srs_describe(s, name, sizeof name);
            snprintf(err, n, "no transformation from %s to the scene CRS (%s)", name,
                     CPLGetLastErrorMsg());
            r = TW_ERR_CRS;
        }
    }
    OSRDestroySpatialReference(s);
    if (dst) OSRDestroySpatialReference(dst);
    if (r != TW_OK) {
        geo_xform_destroy(xf);
        return r;
    }
    *out = xf;
    return TW_OK;
}

tw_result geo_xform_create_lonlat(const geo_frame *frame, geo_xform **out, char *err, size_t n)
{
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
    OSRSetWellKnownGeogCS(wgs, "WGS84");
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    tw_result r = geo_xform_create(frame, wgs, 0, out, err, n);
    OSRDestroySpatialReference(wgs);
    return r;
}

void geo_xform_destroy(geo_xform *xf)
{
    if (!xf) return;
    if (xf->fwd) OCTDestroyCoordinateTransformation(xf->fwd);
    if (xf->inv) OCTDestroyCoordinateTransformation(xf->inv);
    free(xf);
}

bool geo_xform_is_identity(const geo_xform *xf)
{
    return xf->identity;
}

bool geo_xform_bessel_fixed(const geo_xform *xf)
{
    return xf->bessel_fixed;
}

static size_t geo__run(OGRCoordinateTransformationH ct, size_t n, double *x, double *y, double *z)
{
    if (n == 0) return 0;
    int *ok = calloc(n, sizeof *ok);
    if (!ok) return 0;
    size_t good = 0;
    /* The return value is false when any point fails; ok[] says which. */
    if (n <= 0x7fffffff) (void)OCTTransformEx(ct, (int)n, x, y, z, ok);
    for (size_t i = 0; i < n; i++) {
        if (ok[i] && isfinite(x[i]) && isfinite(y[i])) {
            good++;
        } else {
            x[i] = y[i] = HUGE_VAL;
        }
    }
    free(ok);
    return good;
}

size_t geo_xform_to_scene(geo_xform *xf, size_t n, double *x, double *y, double *z)
{
    return xf->identity ? n : geo__run(xf->fwd, n, x, y, z);
}

size_t geo_xform_from_scene(geo_xform *xf, size_t n, double *x, double *y, double *z)
{
    return xf->identity ? n : geo__run(xf->inv, n, x, y, z);
}

/* Lon/lat box of ext (in src's units), densified along its edges. */
static bool geo__bounds_lonlat(OGRSpatialReferenceH src, const double ext[4], double out[4])
{
    OGRSpatialReferenceH from = OSRClone(src), wgs = OSRNewSpatialReference(NULL);
    bool ok = from && wgs && OSRImportFromEPSG(wgs, 4326) == OGRERR_NONE;
    OGRCoordinateTransformationH ct = NULL;
    if (ok) {
        OSRSetAxisMappingStrategy(from, OAMS_TRADITIONAL_GIS_ORDER);
        OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
        ct = OCTNewCoordinateTransformation(from, wgs);
    }
    ok = ct && OCTTransformBounds(ct, ext[0], ext[1], ext[2], ext[3], &out[0], &out[1], &out[2],
                                  &out[3], 21);
    if (ct) OCTDestroyCoordinateTransformation(ct);
    if (from) OSRDestroySpatialReference(from);
    if (wgs) OSRDestroySpatialReference(wgs);
    return ok && isfinite(out[0]) && isfinite(out[1]) && isfinite(out[2]) && isfinite(out[3]);
}

bool geo_frame_warn_outside_area(const geo_frame *frame, OGRSpatialReferenceH src,
                                 const double ext[4], const char *what)
{
    if (frame->local || !src || !(ext[0] <= ext[2] && ext[1] <= ext[3])) return false;
    OGRSpatialReferenceH scene = OSRNewSpatialReference(NULL);
    if (!scene) return false;
    /* The frame keeps the user's text: parsed again it carries its EPSG
     * usage (area of use), which the WKT it keeps may not. */
    double w = -1000, s = -1000, e = -1000, n = -1000;
    const char *area = NULL;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    bool have = OSRSetFromUserInput(scene, frame->name) == OGRERR_NONE &&
                OSRGetAreaOfUse(scene, &w, &s, &e, &n, &area) && w > -1000;
    CPLPopErrorHandler();
    double ll[4];
    bool warned = false;
    if (have && geo__bounds_lonlat(src, ext, ll)) {
        bool lat = ll[3] >= s && ll[1] <= n;
        bool lon = w <= e ? ll[2] >= w && ll[0] <= e : ll[2] >= w || ll[0] <= e;
        if (!(lat && lon)) {
            char src_name[128];
            geo_srs_describe(src, src_name, sizeof src_name);
            TW_WARN("crs",
                    "%s (%s) lies outside the area of use of the scene CRS %s (%s: %.1f..%.1f E, "
                    "%.1f..%.1f N); the data spans %.1f..%.1f E, %.1f..%.1f N and will land far "
                    "from the rest or distorted: check the file's CRS, or give the scene a CRS "
                    "for that area",
                    what, src_name, frame->name, area ? area : "?", w, e, s, n, ll[0], ll[2], ll[1],
                    ll[3]);
            warned = true;
        }
    }
    OSRDestroySpatialReference(scene);
    return warned;
}
