/* Documents of the demo feed server, shaped like the real services: FIWARE
 * smart data models over NGSI-LD, SensorThings v1.1 collections with
 * nextLink paging, a GeoJSON FeatureCollection, and Seoul's GetParkInfo. */
#include "fs_docs.h"

#include "fs_bulk.h"

#include <json.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NGSI_PREFIX  "/ngsi-ld/v1/entities"
#define STA_PREFIX   "/sta/v1.1"
#define NGSI_CONTEXT "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
#define SIM_PROVIDER "citytwin-feedsim (simulated data)"
#define STA_HISTORY  24 /* observations kept per datastream, one per tick */
#define PAGE_MAX     1000

void fs_docs_init(void)
{
    /* Shortest plain numbers (37.5663, not 37.566299999999998). */
    json_c_set_serialization_double_format("%.10g", JSON_C_OPTION_GLOBAL);
}

void fs_doc_free(fs_doc *doc)
{
    free(doc->body);
    doc->body = NULL;
    doc->len = 0;
}

static void doc_header(fs_doc *d, const char *name, const char *value)
{
    if (d->nheaders >= FS_DOC_MAX_HEADERS) return;
    snprintf(d->hname[d->nheaders], sizeof d->hname[0], "%s", name);
    snprintf(d->hvalue[d->nheaders], sizeof d->hvalue[0], "%s", value);
    d->nheaders++;
}

tw_result fs_doc_text(fs_doc *out, int status, const char *content_type, const char *text)
{
    size_t n = strlen(text);
    out->body = malloc(n + 1);
    if (!out->body) return TW_ERR_NOMEM;
    memcpy(out->body, text, n + 1);
    out->len = n;
    out->status = status;
    out->content_type = content_type;
    return TW_OK;
}

/* Takes root: serializes it into the document and frees it. */
static tw_result doc_json(fs_doc *out, int status, const char *content_type, json_object *root)
{
    if (!root) return TW_ERR_NOMEM;
    const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE);
    tw_result r = s ? fs_doc_text(out, status, content_type, s) : TW_ERR_NOMEM;
    json_object_put(root);
    return r;
}

static json_object *jstr(const char *s)
{
    return json_object_new_string(s);
}

static json_object *jpoint(double lon, double lat)
{
    json_object *g = json_object_new_object();
    json_object *c = json_object_new_array();
    json_object_array_add(c, json_object_new_double(lon));
    json_object_array_add(c, json_object_new_double(lat));
    json_object_object_add(g, "type", jstr("Point"));
    json_object_object_add(g, "coordinates", c);
    return g;
}

/* Non-negative integer argument; dflt when absent, -1 when not a number. */
static long arg_long(const fs_req *req, const char *key, long dflt)
{
    const char *v = req->arg(req->ctx, key);
    if (!v) return dflt;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (end == v || *end != '\0' || n < 0 || n > 1000000000L) return -1;
    return n;
}

/* ---- NGSI-LD ---- */

typedef struct ngsi_ctx {
    bool kv; /* options=keyValues */
    json_object *ent;
    const char *observed;
} ngsi_ctx;

/* Adds a Property (normalized) or a plain member (keyValues). */
static void ngsi_prop(ngsi_ctx *c, const char *name, json_object *value, bool observed,
                      const char *unit)
{
    if (c->kv) {
        json_object_object_add(c->ent, name, value);
        return;
    }
    json_object *p = json_object_new_object();
    json_object_object_add(p, "type", jstr("Property"));
    json_object_object_add(p, "value", value);
    if (observed) json_object_object_add(p, "observedAt", jstr(c->observed));
    if (unit) json_object_object_add(p, "unitCode", jstr(unit));
    json_object_object_add(c->ent, name, p);
}

static void ngsi_geo(ngsi_ctx *c, json_object *geometry)
{
    if (c->kv) {
        json_object_object_add(c->ent, "location", geometry);
        return;
    }
    json_object *p = json_object_new_object();
    json_object_object_add(p, "type", jstr("GeoProperty"));
    json_object_object_add(p, "value", geometry);
    json_object_object_add(c->ent, "location", p);
}

static json_object *postal(const char *street)
{
    json_object *a = json_object_new_object();
    json_object_object_add(a, "streetAddress", jstr(street));
    json_object_object_add(a, "addressLocality", jstr("서울특별시"));
    json_object_object_add(a, "addressCountry", jstr("KR"));
    json_object_object_add(a, "type", jstr("PostalAddress"));
    return a;
}

static json_object *str_array(const char *a, const char *b)
{
    json_object *arr = json_object_new_array();
    json_object_array_add(arr, jstr(a));
    if (b) json_object_array_add(arr, jstr(b));
    return arr;
}

typedef struct ngsi_type {
    const char *name;
    int (*count)(void);
    void (*build)(const fs_sim *s, int64_t tick, int i, ngsi_ctx *c);
} ngsi_type;

static int count_parking(void)
{
    return fs_sim_parking_count;
}
static int count_air(void)
{
    return fs_sim_air_count;
}
static int count_weather(void)
{
    return fs_sim_weather_count;
}
static int count_traffic(void)
{
    return fs_sim_road_count;
}
static int count_device(void)
{
    return fs_sim_facility_count * FS_Q_COUNT;
}

static void ngsi_common(ngsi_ctx *c, const char *type, const char *id_suffix, const fs_place *p)
{
    char id[128];
    snprintf(id, sizeof id, "urn:ngsi-ld:%s:%s", type, id_suffix);
    json_object_object_add(c->ent, "id", jstr(id));
    json_object_object_add(c->ent, "type", jstr(type));
    if (p) {
        ngsi_prop(c, "name", jstr(p->name), false, NULL);
        ngsi_prop(c, "address", postal(p->address), false, NULL);
        ngsi_geo(c, jpoint(p->lon, p->lat));
    }
    ngsi_prop(c, "dataProvider", jstr(SIM_PROVIDER), false, NULL);
}

static void build_parking(const fs_sim *s, int64_t tick, int i, ngsi_ctx *c)
{
    const fs_place *p = &fs_sim_parking[i];
    char suffix[48];
    snprintf(suffix, sizeof suffix, "seoul-sim-%03d", i + 1);
    ngsi_common(c, "OffStreetParking", suffix, p);
    ngsi_prop(c, "category", str_array("public", "feeCharged"), false, NULL);
    ngsi_prop(c, "allowedVehicleType", str_array("car", NULL), false, NULL);
    ngsi_prop(c, "totalSpotNumber", json_object_new_int(p->size), false, NULL);
    ngsi_prop(c, "availableSpotNumber", json_object_new_int(fs_sim_parking_free(s, i, tick)), true,
              NULL);
    ngsi_prop(c, "status", str_array("open", NULL), false, NULL);
}

static const char *air_level(double pm10)
{
    /* Korea's PM10 bands (good / moderate / unhealthy / very unhealthy). */
    return pm10 <= 30    ? "good"
           : pm10 <= 80  ? "moderate"
           : pm10 <= 150 ? "unhealthy"
                         : "veryUnhealthy";
}

static void build_air(const fs_sim *s, int64_t tick, int i, ngsi_ctx *c)
{
    char suffix[48];
    snprintf(suffix, sizeof suffix, "seoul-sim-%03d", i + 1);
    ngsi_common(c, "AirQualityObserved", suffix, &fs_sim_air[i]);
    double pm10, pm25, no2, o3;
    fs_sim_air_values(s, i, tick, &pm10, &pm25, &no2, &o3);
    ngsi_prop(c, "dateObserved", jstr(c->observed), false, NULL);
    ngsi_prop(c, "pm10", json_object_new_double(pm10), true, "GQ");
    ngsi_prop(c, "pm25", json_object_new_double(pm25), true, "GQ");
    ngsi_prop(c, "no2", json_object_new_double(no2), true, "59");
    ngsi_prop(c, "o3", json_object_new_double(o3), true, "59");
    ngsi_prop(c, "airQualityLevel", jstr(air_level(pm10)), true, NULL);
}

static void build_weather(const fs_sim *s, int64_t tick, int i, ngsi_ctx *c)
{
    char suffix[48];
    snprintf(suffix, sizeof suffix, "seoul-sim-%03d", i + 1);
    ngsi_common(c, "WeatherObserved", suffix, &fs_sim_weather[i]);
    double t, hum, ws, wd;
    fs_sim_weather_values(s, i, tick, &t, &hum, &ws, &wd);
    ngsi_prop(c, "dateObserved", jstr(c->observed), false, NULL);
    ngsi_prop(c, "temperature", json_object_new_double(t), true, "CEL");
    ngsi_prop(c, "relativeHumidity", json_object_new_double(hum), true, "C62");
    ngsi_prop(c, "windSpeed", json_object_new_double(ws), true, "MTS");
    ngsi_prop(c, "windDirection", json_object_new_double(wd), true, "DD");
}

static void build_traffic(const fs_sim *s, int64_t tick, int i, ngsi_ctx *c)
{
    const fs_road *r = &fs_sim_roads[i];
    char suffix[48];
    snprintf(suffix, sizeof suffix, "seoul-sim-%03d", i + 1);
    ngsi_common(c, "TrafficFlowObserved", suffix, NULL);
    ngsi_prop(c, "name", jstr(r->name), false, NULL);
    json_object *g = json_object_new_object();
    json_object *coords = json_object_new_array();
    for (int k = 0; k < 3; k++) {
        json_object *pt = json_object_new_array();
        json_object_array_add(pt, json_object_new_double(r->lonlat[k][0]));
        json_object_array_add(pt, json_object_new_double(r->lonlat[k][1]));
        json_object_array_add(coords, pt);
    }
    json_object_object_add(g, "type", jstr("LineString"));
    json_object_object_add(g, "coordinates", coords);
    ngsi_geo(c, g);
    double speed, occ;
    int intensity;
    fs_sim_traffic_values(s, i, tick, &speed, &intensity, &occ);
    ngsi_prop(c, "dateObserved", jstr(c->observed), false, NULL);
    ngsi_prop(c, "averageVehicleSpeed", json_object_new_double(speed), true, "KMH");
    ngsi_prop(c, "intensity", json_object_new_int(intensity), true, NULL);
    ngsi_prop(c, "occupancy", json_object_new_double(occ), true, NULL);
    ngsi_prop(c, "congested", json_object_new_boolean(speed < 15.0), true, NULL);
}

static void build_device(const fs_sim *s, int64_t tick, int i, ngsi_ctx *c)
{
    int f = i / FS_Q_COUNT;
    fs_quantity q = (fs_quantity)(i % FS_Q_COUNT);
    const fs_place *p = &fs_sim_facilities[f];
    char suffix[64], name[160], ref[96];
    snprintf(suffix, sizeof suffix, "seoul-sim-f%02d-%s", f + 1, fs_sim_quantity_name(q));
    ngsi_common(c, "DeviceMeasurement", suffix, p);
    snprintf(name, sizeof name, "%s %s", p->name, fs_sim_quantity_korean(q));
    ngsi_prop(c, "name", jstr(name), false, NULL);
    snprintf(ref, sizeof ref, "urn:ngsi-ld:Device:seoul-sim-f%02d-%s", f + 1,
             fs_sim_quantity_name(q));
    ngsi_prop(c, "refDevice", jstr(ref), false, NULL);
    ngsi_prop(c, "deviceType", jstr("sensor"), false, NULL);
    ngsi_prop(c, "measurementType", jstr("facility-safety"), false, NULL);
    ngsi_prop(c, "controlledProperty", jstr(fs_sim_quantity_name(q)), false, NULL);
    ngsi_prop(c, "dateObserved", jstr(c->observed), false, NULL);
    ngsi_prop(c, "numValue", json_object_new_double(fs_sim_facility_value(s, f, q, tick)), true,
              fs_sim_quantity_unitcode(q));
    ngsi_prop(c, "unit", jstr(fs_sim_quantity_unit(q)), false, NULL);
}

static const ngsi_type ngsi_types[] = {
    {"OffStreetParking", count_parking, build_parking},
    {"AirQualityObserved", count_air, build_air},
    {"WeatherObserved", count_weather, build_weather},
    {"TrafficFlowObserved", count_traffic, build_traffic},
    {"DeviceMeasurement", count_device, build_device},
};

static tw_result ngsi_error(fs_doc *out, int status, const char *type, const char *detail)
{
    json_object *e = json_object_new_object();
    char t[128];
    snprintf(t, sizeof t, "https://uri.etsi.org/ngsi-ld/errors/%s", type);
    json_object_object_add(e, "type", jstr(t));
    json_object_object_add(e, "title", jstr(type));
    json_object_object_add(e, "detail", jstr(detail));
    return doc_json(out, status, "application/json", e);
}

static tw_result render_ngsi(const fs_docs_cfg *cfg, double now_s, const fs_req *req, fs_doc *out)
{
    if (strcmp(req->path, NGSI_PREFIX) != 0 && strcmp(req->path, NGSI_PREFIX "/") != 0)
        return ngsi_error(out, 404, "ResourceNotFound", "only /ngsi-ld/v1/entities is served");
    const char *type = req->arg(req->ctx, "type");
    const ngsi_type *t = NULL;
    for (size_t k = 0; type && k < sizeof ngsi_types / sizeof ngsi_types[0]; k++)
        if (strcmp(type, ngsi_types[k].name) == 0) t = &ngsi_types[k];
    if (!t)
        return ngsi_error(out, 400, "BadRequestData",
                          "type must be one of OffStreetParking, AirQualityObserved, "
                          "WeatherObserved, TrafficFlowObserved, DeviceMeasurement");
    long limit = arg_long(req, "limit", 20), offset = arg_long(req, "offset", 0);
    if (limit < 0 || offset < 0)
        return ngsi_error(out, 400, "BadRequestData", "bad limit or offset");
    if (limit > PAGE_MAX) return ngsi_error(out, 400, "TooManyResults", "limit is at most 1000");
    const char *options = req->arg(req->ctx, "options");
    const char *count = req->arg(req->ctx, "count");
    bool ld = req->accept && strstr(req->accept, "application/ld+json");

    int64_t tick = (int64_t)floor(now_s / cfg->sim->tick_s);
    char observed[40];
    fs_sim_iso((double)tick * cfg->sim->tick_s, observed, sizeof observed);
    ngsi_ctx c = {.kv = options && strstr(options, "keyValues"), .observed = observed};
    json_object *arr = json_object_new_array();
    int total = t->count();
    for (long i = offset; i < total && i < offset + limit; i++) {
        c.ent = json_object_new_object();
        t->build(cfg->sim, tick, (int)i, &c);
        if (ld) json_object_object_add(c.ent, "@context", jstr(NGSI_CONTEXT));
        json_object_array_add(arr, c.ent);
    }
    out->nheaders = 0;
    if (count && strcmp(count, "true") == 0) {
        char n[32];
        snprintf(n, sizeof n, "%d", total);
        doc_header(out, "NGSILD-Results-Count", n);
    }
    if (!ld)
        doc_header(out, "Link",
                   "<" NGSI_CONTEXT ">; rel=\"http://www.w3.org/ns/json-ld#context\"; "
                   "type=\"application/ld+json\"");
    return doc_json(out, 200, ld ? "application/ld+json" : "application/json", arr);
}

/* ---- SensorThings ---- */

typedef struct sta_opts {
    long top, skip;
    bool count;
    const char *expand;
    const char *orderby;
} sta_opts;

static void url_encode(const char *s, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s && o + 4 < n; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            strchr("-_.~/,", ch)) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
}

static json_object *sta_link(const fs_req *req, const char *fmt, long id)
{
    char path[128], url[400];
    snprintf(path, sizeof path, fmt, id);
    snprintf(url, sizeof url, "%s" STA_PREFIX "%s", req->base_url, path);
    return jstr(url);
}

/* Wraps items [skip, skip + top) of total into a collection with count and
 * nextLink; items holds only the page. */
static json_object *sta_collection(const fs_req *req, const sta_opts *o, long total,
                                   json_object *items)
{
    json_object *root = json_object_new_object();
    if (o->count) json_object_object_add(root, "@iot.count", json_object_new_int64(total));
    if (o->skip + o->top < total) {
        char url[1200], enc[600];
        int n = snprintf(url, sizeof url, "%s%s?$top=%ld&$skip=%ld", req->base_url, req->path,
                         o->top, o->skip + o->top);
        if (o->count && n > 0 && (size_t)n < sizeof url)
            n += snprintf(url + n, sizeof url - (size_t)n, "&$count=true");
        if (o->expand && n > 0 && (size_t)n < sizeof url) {
            url_encode(o->expand, enc, sizeof enc);
            n += snprintf(url + n, sizeof url - (size_t)n, "&$expand=%s", enc);
        }
        if (o->orderby && n > 0 && (size_t)n < sizeof url) {
            url_encode(o->orderby, enc, sizeof enc);
            snprintf(url + n, sizeof url - (size_t)n, "&$orderby=%s", enc);
        }
        json_object_object_add(root, "@iot.nextLink", jstr(url));
    }
    json_object_object_add(root, "value", items);
    return root;
}

static json_object *sta_location(const fs_req *req, int f)
{
    const fs_place *p = &fs_sim_facilities[f];
    json_object *l = json_object_new_object();
    json_object_object_add(l, "@iot.id", json_object_new_int(f + 1));
    json_object_object_add(l, "@iot.selfLink", sta_link(req, "/Locations(%ld)", f + 1));
    json_object_object_add(l, "name", jstr(p->name));
    json_object_object_add(l, "description", jstr(p->address));
    json_object_object_add(l, "encodingType", jstr("application/geo+json"));
    json_object_object_add(l, "location", jpoint(p->lon, p->lat));
    return l;
}

static long ds_id(int f, fs_quantity q)
{
    return (long)(f + 1) * 10 + (long)q + 1;
}

/* Observations of a datastream: index k counts back from the newest. */
static json_object *sta_observation(const fs_docs_cfg *cfg, const fs_req *req, int f, fs_quantity q,
                                    int64_t tick, int k)
{
    int64_t t = tick - k;
    long id = ds_id(f, q) * 1000000L + (long)(((t % 1000000) + 1000000) % 1000000);
    char when[40];
    fs_sim_iso((double)t * cfg->sim->tick_s, when, sizeof when);
    double v = fs_sim_facility_value(cfg->sim, f, q, t);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "@iot.id", json_object_new_int64(id));
    json_object_object_add(o, "@iot.selfLink", sta_link(req, "/Observations(%ld)", id));
    json_object_object_add(o, "phenomenonTime", jstr(when));
    json_object_object_add(o, "resultTime", jstr(when));
    if (q == FS_Q_VIBRATION) {
        /* Some real servers send results as strings ("23"); so does this one. */
        char s[32];
        snprintf(s, sizeof s, "%.3f", v);
        json_object_object_add(o, "result", jstr(s));
    } else {
        json_object_object_add(o, "result", json_object_new_double(v));
    }
    return o;
}

static bool order_asc(const char *orderby)
{
    return orderby && (strstr(orderby, " asc") || strcmp(orderby, "phenomenonTime") == 0);
}

static json_object *sta_observations(const fs_docs_cfg *cfg, const fs_req *req, int f,
                                     fs_quantity q, int64_t tick, long skip, long top, bool asc)
{
    json_object *arr = json_object_new_array();
    for (long k = skip; k < STA_HISTORY && k < skip + top; k++) {
        int back = asc ? (int)(STA_HISTORY - 1 - k) : (int)k;
        json_object_array_add(arr, sta_observation(cfg, req, f, q, tick, back));
    }
    return arr;
}

/* expand: NULL or the $expand text; the nested Observations options are read
 * from "Observations(...)" ($top, $orderby). */
static json_object *sta_datastream(const fs_docs_cfg *cfg, const fs_req *req, int f, fs_quantity q,
                                   int64_t tick, const char *expand)
{
    static const char *defs[FS_Q_COUNT] = {
        "http://www.qudt.org/qudt/owl/1.0.0/unit/Instances.html#DegreeAngle",
        "http://www.qudt.org/qudt/owl/1.0.0/unit/Instances.html#MillimeterPerSecond",
        "http://www.qudt.org/qudt/owl/1.0.0/unit/Instances.html#Millimeter"};
    long id = ds_id(f, q);
    char name[200];
    snprintf(name, sizeof name, "%s %s", fs_sim_facilities[f].name, fs_sim_quantity_korean(q));
    json_object *d = json_object_new_object();
    json_object_object_add(d, "@iot.id", json_object_new_int64(id));
    json_object_object_add(d, "@iot.selfLink", sta_link(req, "/Datastreams(%ld)", id));
    json_object_object_add(d, "name", jstr(name));
    json_object_object_add(d, "description", jstr("시설물 안전 계측 (모의 데이터)"));
    json_object *u = json_object_new_object();
    json_object_object_add(u, "name", jstr(fs_sim_quantity_unit(q)));
    json_object_object_add(u, "symbol", jstr(fs_sim_quantity_unit(q)));
    json_object_object_add(u, "definition", jstr(defs[q]));
    json_object_object_add(d, "unitOfMeasurement", u);
    json_object_object_add(
        d, "observationType",
        jstr("http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"));
    json_object *props = json_object_new_object();
    json_object_object_add(props, "controlledProperty", jstr(fs_sim_quantity_name(q)));
    json_object_object_add(props, "simulated", json_object_new_boolean(true));
    json_object_object_add(d, "properties", props);
    json_object_object_add(d, "Observations@iot.navigationLink",
                           sta_link(req, "/Datastreams(%ld)/Observations", id));
    const char *obs = expand ? strstr(expand, "Observations") : NULL;
    if (obs) {
        long top = STA_HISTORY;
        bool asc = false;
        const char *open = obs[12] == '(' ? obs + 13 : NULL;
        if (open) {
            const char *close = strchr(open, ')');
            const char *tp = strstr(open, "$top=");
            if (tp && (!close || tp < close)) top = strtol(tp + 5, NULL, 10);
            const char *ob = strstr(open, "$orderby=");
            if (ob && (!close || ob < close)) {
                char order[64];
                size_t n = close ? (size_t)(close - (ob + 9)) : strlen(ob + 9);
                if (n >= sizeof order) n = sizeof order - 1;
                memcpy(order, ob + 9, n);
                order[n] = '\0';
                asc = order_asc(order);
            }
        }
        if (top < 0) top = 0;
        json_object_object_add(d, "Observations",
                               sta_observations(cfg, req, f, q, tick, 0, top, asc));
    }
    return d;
}

static json_object *sta_thing(const fs_docs_cfg *cfg, const fs_req *req, int f, int64_t tick,
                              const char *expand)
{
    const fs_place *p = &fs_sim_facilities[f];
    json_object *t = json_object_new_object();
    json_object_object_add(t, "@iot.id", json_object_new_int(f + 1));
    json_object_object_add(t, "@iot.selfLink", sta_link(req, "/Things(%ld)", f + 1));
    json_object_object_add(t, "name", jstr(p->name));
    json_object_object_add(t, "description", jstr("시설물 안전 센서 (모의 데이터)"));
    json_object *props = json_object_new_object();
    json_object_object_add(props, "address", jstr(p->address));
    json_object_object_add(props, "dataProvider", jstr(SIM_PROVIDER));
    json_object_object_add(props, "simulated", json_object_new_boolean(true));
    json_object_object_add(t, "properties", props);
    json_object_object_add(t, "Locations@iot.navigationLink",
                           sta_link(req, "/Things(%ld)/Locations", f + 1));
    json_object_object_add(t, "Datastreams@iot.navigationLink",
                           sta_link(req, "/Things(%ld)/Datastreams", f + 1));
    if (expand && strstr(expand, "Locations")) {
        json_object *arr = json_object_new_array();
        json_object_array_add(arr, sta_location(req, f));
        json_object_object_add(t, "Locations", arr);
    }
    if (expand && strstr(expand, "Datastreams")) {
        json_object *arr = json_object_new_array();
        for (int q = 0; q < FS_Q_COUNT; q++)
            json_object_array_add(arr, sta_datastream(cfg, req, f, (fs_quantity)q, tick, expand));
        json_object_object_add(t, "Datastreams", arr);
    }
    return t;
}

static tw_result sta_error(fs_doc *out, int status, const char *msg)
{
    json_object *e = json_object_new_object();
    json_object_object_add(e, "code", json_object_new_int(status));
    json_object_object_add(e, "type", jstr("error"));
    json_object_object_add(e, "message", jstr(msg));
    return doc_json(out, status, "application/json", e);
}

/* "Name(123)rest": parses the id, returns a pointer to rest or NULL. */
static const char *parse_id(const char *s, const char *name, long *id)
{
    size_t n = strlen(name);
    if (strncmp(s, name, n) != 0 || s[n] != '(') return NULL;
    char *end = NULL;
    *id = strtol(s + n + 1, &end, 10);
    if (end == s + n + 1 || *end != ')') return NULL;
    return end + 1;
}

static tw_result render_sta(const fs_docs_cfg *cfg, double now_s, const fs_req *req, fs_doc *out)
{
    const char *rest = req->path + strlen(STA_PREFIX);
    int64_t tick = (int64_t)floor(now_s / cfg->sim->tick_s);
    sta_opts o = {.top = arg_long(req, "$top", 100),
                  .skip = arg_long(req, "$skip", 0),
                  .expand = req->arg(req->ctx, "$expand"),
                  .orderby = req->arg(req->ctx, "$orderby")};
    const char *cnt = req->arg(req->ctx, "$count");
    o.count = cnt && strcmp(cnt, "true") == 0;
    if (o.top < 0 || o.skip < 0) return sta_error(out, 400, "bad $top or $skip");
    if (o.top > PAGE_MAX) o.top = PAGE_MAX;
    const char *ctype = "application/json";

    if (*rest == '\0' || strcmp(rest, "/") == 0) {
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        /* Only the collection served at the root; the others are reached
         * through a Thing's or a Datastream's links. */
        static const char *sets[] = {"Things"};
        for (int k = 0; k < 1; k++) {
            char url[300];
            json_object *e = json_object_new_object();
            snprintf(url, sizeof url, "%s" STA_PREFIX "/%s", req->base_url, sets[k]);
            json_object_object_add(e, "name", jstr(sets[k]));
            json_object_object_add(e, "url", jstr(url));
            json_object_array_add(arr, e);
        }
        json_object_object_add(root, "value", arr);
        return doc_json(out, 200, ctype, root);
    }
    if (strcmp(rest, "/Things") == 0) {
        json_object *items = json_object_new_array();
        for (long i = o.skip; i < fs_sim_facility_count && i < o.skip + o.top; i++)
            json_object_array_add(items, sta_thing(cfg, req, (int)i, tick, o.expand));
        return doc_json(out, 200, ctype, sta_collection(req, &o, fs_sim_facility_count, items));
    }
    long id = 0;
    const char *tail = parse_id(rest + 1, "Things", &id);
    if (rest[0] == '/' && tail) {
        if (id < 1 || id > fs_sim_facility_count) return sta_error(out, 404, "no such Thing");
        int f = (int)id - 1;
        if (*tail == '\0') return doc_json(out, 200, ctype, sta_thing(cfg, req, f, tick, o.expand));
        if (strcmp(tail, "/Locations") == 0) {
            json_object *items = json_object_new_array();
            if (o.skip < 1 && o.top > 0) json_object_array_add(items, sta_location(req, f));
            return doc_json(out, 200, ctype, sta_collection(req, &o, 1, items));
        }
        if (strcmp(tail, "/Datastreams") == 0) {
            json_object *items = json_object_new_array();
            for (long q = o.skip; q < FS_Q_COUNT && q < o.skip + o.top; q++)
                json_object_array_add(items,
                                      sta_datastream(cfg, req, f, (fs_quantity)q, tick, o.expand));
            return doc_json(out, 200, ctype, sta_collection(req, &o, FS_Q_COUNT, items));
        }
        return sta_error(out, 404, "no such path");
    }
    tail = parse_id(rest + 1, "Datastreams", &id);
    if (rest[0] == '/' && tail) {
        int f = (int)(id / 10) - 1, q = (int)(id % 10) - 1;
        if (f < 0 || f >= fs_sim_facility_count || q < 0 || q >= FS_Q_COUNT)
            return sta_error(out, 404, "no such Datastream");
        if (*tail == '\0')
            return doc_json(out, 200, ctype,
                            sta_datastream(cfg, req, f, (fs_quantity)q, tick, o.expand));
        if (strcmp(tail, "/Observations") == 0) {
            json_object *items = sta_observations(cfg, req, f, (fs_quantity)q, tick, o.skip, o.top,
                                                  order_asc(o.orderby));
            return doc_json(out, 200, ctype, sta_collection(req, &o, STA_HISTORY, items));
        }
    }
    return sta_error(out, 404, "no such path");
}

/* ---- GeoJSON ---- */

static json_object *feature(const char *id, const char *name, const char *kind, double lon,
                            double lat, double value, const char *unit, const char *observed,
                            json_object **props_out)
{
    json_object *f = json_object_new_object(), *p = json_object_new_object();
    json_object_object_add(f, "type", jstr("Feature"));
    json_object_object_add(f, "id", jstr(id));
    json_object_object_add(f, "geometry", jpoint(lon, lat));
    json_object_object_add(p, "id", jstr(id));
    json_object_object_add(p, "name", jstr(name));
    json_object_object_add(p, "kind", jstr(kind));
    json_object_object_add(p, "value", json_object_new_double(value));
    json_object_object_add(p, "unit", jstr(unit));
    json_object_object_add(p, "observed", jstr(observed));
    json_object_object_add(p, "simulated", json_object_new_boolean(true));
    json_object_object_add(f, "properties", p);
    *props_out = p;
    return f;
}

static tw_result render_geojson(const fs_docs_cfg *cfg, double now_s, fs_doc *out)
{
    int64_t tick = (int64_t)floor(now_s / cfg->sim->tick_s);
    char observed[40], id[64];
    fs_sim_iso((double)tick * cfg->sim->tick_s, observed, sizeof observed);
    json_object *fc = json_object_new_object(), *arr = json_object_new_array(), *p;
    json_object_object_add(fc, "type", jstr("FeatureCollection"));
    json_object_object_add(fc, "name", jstr("citytwin-feedsim sensors (simulated)"));
    for (int i = 0; i < fs_sim_air_count; i++) {
        double pm10, pm25, no2, o3;
        fs_sim_air_values(cfg->sim, i, tick, &pm10, &pm25, &no2, &o3);
        snprintf(id, sizeof id, "air-%03d", i + 1);
        const fs_place *pl = &fs_sim_air[i];
        json_object_array_add(
            arr, feature(id, pl->name, "air", pl->lon, pl->lat, pm10, "ug/m3", observed, &p));
        json_object_object_add(p, "pm10", json_object_new_double(pm10));
        json_object_object_add(p, "pm25", json_object_new_double(pm25));
        json_object_object_add(p, "no2", json_object_new_double(no2));
    }
    for (int i = 0; i < fs_sim_weather_count; i++) {
        double t, hum, ws, wd;
        fs_sim_weather_values(cfg->sim, i, tick, &t, &hum, &ws, &wd);
        snprintf(id, sizeof id, "weather-%03d", i + 1);
        const fs_place *pl = &fs_sim_weather[i];
        json_object_array_add(
            arr, feature(id, pl->name, "weather", pl->lon, pl->lat, t, "degC", observed, &p));
        json_object_object_add(p, "windSpeed", json_object_new_double(ws));
        json_object_object_add(p, "windDirection", json_object_new_double(wd));
    }
    for (int i = 0; i < fs_sim_facility_count; i++) {
        snprintf(id, sizeof id, "facility-%03d", i + 1);
        const fs_place *pl = &fs_sim_facilities[i];
        double tilt = fs_sim_facility_value(cfg->sim, i, FS_Q_TILT, tick);
        json_object_array_add(
            arr, feature(id, pl->name, "facility", pl->lon, pl->lat, tilt, "deg", observed, &p));
        json_object_object_add(p, "tilt", json_object_new_double(tilt));
        json_object_object_add(
            p, "vibration",
            json_object_new_double(fs_sim_facility_value(cfg->sim, i, FS_Q_VIBRATION, tick)));
        json_object_object_add(
            p, "crack",
            json_object_new_double(fs_sim_facility_value(cfg->sim, i, FS_Q_CRACK, tick)));
    }
    json_object_object_add(fc, "features", arr);
    return doc_json(out, 200, "application/geo+json", fc);
}

/* ---- Seoul Open API ---- */

static tw_result seoul_result(fs_doc *out, const char *code, const char *msg)
{
    json_object *root = json_object_new_object(), *r = json_object_new_object();
    json_object_object_add(r, "CODE", jstr(code));
    json_object_object_add(r, "MESSAGE", jstr(msg));
    json_object_object_add(root, "RESULT", r);
    return doc_json(out, 200, "application/json;charset=UTF-8", root);
}

static json_object *seoul_row(const fs_sim *s, int64_t tick, double tick_s, int i)
{
    const fs_place *p = &fs_sim_parking[i];
    char code[16], when[32];
    snprintf(code, sizeof code, "99%05d", i + 1);
    fs_sim_kst((double)tick * tick_s, when, sizeof when);
    json_object *r = json_object_new_object();
#define S(k, v) json_object_object_add(r, k, jstr(v))
#define I(k, v) json_object_object_add(r, k, json_object_new_int(v))
    S("parking_code", code);
    S("parking_name", p->name);
    S("addr", p->address);
    S("parking_type", "NW");
    S("parking_type_nm", "노외 주차장");
    S("operation_rule", "1");
    S("operation_rule_nm", "시간제 주차장");
    S("tel", "");
    S("que_status", "1");
    S("que_status_nm", "현재~20분이내 연계데이터 존재(현재 주차대수 표현)");
    I("capacity", p->size);
    I("cur_parking", p->size - fs_sim_parking_free(s, i, tick));
    S("cur_parking_time", when);
    S("pay_yn", "Y");
    S("pay_nm", "유료");
    S("night_free_open", "N");
    S("night_free_open_nm", "야간 미개방");
    S("weekday_begin_time", "0000");
    S("weekday_end_time", "2400");
    S("weekend_begin_time", "0000");
    S("weekend_end_time", "2400");
    S("holiday_begin_time", "0000");
    S("holiday_end_time", "2400");
    S("saturday_pay_yn", "N");
    S("saturday_pay_nm", "무료");
    S("holiday_pay_yn", "N");
    S("holiday_pay_nm", "무료");
    S("fulltime_monthly", "150000");
    S("grp_parknm", "");
    I("rates", 300);
    I("time_rate", 5);
    I("add_rates", 300);
    I("add_time_rate", 5);
    I("bus_rates", 0);
    I("bus_time_rate", 0);
    I("bus_add_rates", 0);
    I("bus_add_time_rate", 0);
    I("day_maximum", 0);
    S("assign_code", "PIS02");
    S("assign_code_nm", "미배정,미점유");
    S("sync_time", when);
#undef S
#undef I
    json_object_object_add(r, "lat", json_object_new_double(p->lat));
    json_object_object_add(r, "lng", json_object_new_double(p->lon));
    return r;
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0 || n > 9) return false;
    for (size_t k = 0; k < n; k++)
        if (s[k] < '0' || s[k] > '9') return false;
    return true;
}

/* /{KEY}/json/GetParkInfo/{START}/{END}/: returns false when the path is not
 * of that shape (then it is not an Open API request). */
static bool seoul_match(const char *path, const char *seg[6], size_t len[6])
{
    const char *p = path;
    int n = 0;
    while (*p == '/' && n < 6) {
        p++;
        const char *e = strchr(p, '/');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == 0) break;
        seg[n] = p;
        len[n] = l;
        n++;
        p += l;
    }
    return n >= 3 && len[2] == 11 && strncmp(seg[2], "GetParkInfo", 11) == 0;
}

static tw_result render_seoul(const fs_docs_cfg *cfg, double now_s, const fs_req *req,
                              const char *seg[6], size_t len[6], fs_doc *out)
{
    if (strlen(cfg->api_key) != len[0] || strncmp(seg[0], cfg->api_key, len[0]) != 0)
        return seoul_result(out, "INFO-100",
                            "인증키가 유효하지 않습니다. 인증키가 없는 경우, 열린 데이터 광장 "
                            "홈페이지에서 인증키를 신청하십시오.");
    if (len[1] != 4 || strncmp(seg[1], "json", 4) != 0)
        return seoul_result(out, "ERROR-301", "파일타입 값이 누락 혹은 유효하지 않습니다.");
    if (!seg[3]) return seoul_result(out, "ERROR-331", "요청시작위치 값을 확인하십시오.");
    if (!seg[4]) return seoul_result(out, "ERROR-332", "요청종료위치 값을 확인하십시오.");
    if (!all_digits(seg[3], len[3]) || !all_digits(seg[4], len[4]))
        return seoul_result(out, "ERROR-333", "요청위치 값의 타입이 유효하지 않습니다.");
    long start = strtol(seg[3], NULL, 10), end = strtol(seg[4], NULL, 10);
    if (start < 1) return seoul_result(out, "ERROR-331", "요청시작위치 값을 확인하십시오.");
    if (end < start)
        return seoul_result(out, "ERROR-334", "요청종료위치 보다 요청시작위치가 더 큽니다.");
    if (end - start + 1 > PAGE_MAX)
        return seoul_result(out, "ERROR-336",
                            "데이터요청은 한번에 최대 1000건을 넘을 수 없습니다.");
    long total = fs_sim_parking_count;
    if (start > total) return seoul_result(out, "INFO-200", "해당하는 데이터가 없습니다.");
    int64_t tick = (int64_t)floor(now_s / cfg->sim->tick_s);
    json_object *rows = json_object_new_array();
    for (long i = start - 1; i < end && i < total; i++)
        json_object_array_add(rows, seoul_row(cfg->sim, tick, cfg->sim->tick_s, (int)i));
    json_object *svc = json_object_new_object(), *res = json_object_new_object();
    json_object_object_add(svc, "list_total_count", json_object_new_int64(total));
    json_object_object_add(res, "CODE", jstr("INFO-000"));
    json_object_object_add(res, "MESSAGE",
                           jstr("정상 처리되었습니다 (모의 데이터: citytwin-feedsim)"));
    json_object_object_add(svc, "RESULT", res);
    json_object_object_add(svc, "row", rows);
    json_object *root = json_object_new_object();
    json_object_object_add(root, "GetParkInfo", svc);
    return doc_json(out, 200, "application/json;charset=UTF-8", root);
}

/* ---- routing ---- */

tw_result fs_docs_render(const fs_docs_cfg *cfg, double now_s, const fs_req *req, fs_doc *out)
{
    memset(out, 0, sizeof *out);
    const char *path = req->path;
    if (strncmp(path, NGSI_PREFIX, strlen(NGSI_PREFIX)) == 0)
        return render_ngsi(cfg, now_s, req, out);
    if (strncmp(path, STA_PREFIX, strlen(STA_PREFIX)) == 0 &&
        (path[strlen(STA_PREFIX)] == '\0' || path[strlen(STA_PREFIX)] == '/'))
        return render_sta(cfg, now_s, req, out);
    if (strcmp(path, "/geojson/sensors.geojson") == 0) return render_geojson(cfg, now_s, out);
    if (strcmp(path, "/geojson/bulk.geojson") == 0 && cfg->bulk_sensors > 0)
        return fs_bulk_render(cfg->sim, cfg->bulk_sensors, now_s, out);
    const char *seg[6] = {0};
    size_t len[6] = {0};
    if (seoul_match(path, seg, len)) return render_seoul(cfg, now_s, req, seg, len, out);
    if (strcmp(path, "/") == 0)
        return fs_doc_text(out, 200, "text/plain; charset=utf-8",
                           "citytwin-feedsim: simulated demo feeds (not real data)\n"
                           "/ngsi-ld/v1/entities?type=OffStreetParking|AirQualityObserved|"
                           "WeatherObserved|TrafficFlowObserved|DeviceMeasurement\n"
                           "/sta/v1.1/Things\n/geojson/sensors.geojson\n"
                           "/{KEY}/json/GetParkInfo/{START}/{END}/\n"
                           "GET /_control/state, POST /_control/fault?mode=M&path=P\n");
    return fs_doc_text(out, 404, "application/json", "{\"error\":\"not found\"}");
}
