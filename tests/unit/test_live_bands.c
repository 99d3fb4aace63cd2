/* Sensors' named bands and the units shown beside values:
 * - the scene's "bands" parse into bands with inclusive upper bounds, the
 *   last one open-ended, default colours, and alert flags; the AirKorea
 *   presets carry its PM10 / PM2.5 grades; bad entries are scene errors
 *   naming the key, and bands with thresholds (or on parking) are refused;
 * - a value falls in the band whose max it does not pass (30 is 좋음 for
 *   PM10, 31 보통, 151 매우나쁨), NAN in none;
 * - UN/CEFACT unit codes of the FIWARE models show as symbols, other units
 *   (a SensorThings symbol) as given, and a value without a unit gets the
 *   usual one of its name. */
#include "app_live_int.h"
#include "app_scene.h"
#include "tw_test.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const app_live_cfg *sensors(const char *extra, app_scene *s, char *err, size_t n)
{
    char text[2000];
    snprintf(text, sizeof text,
             "{ \"name\": \"t\", \"layers\": [ { \"kind\": \"sensors\", \"format\": \"geojson\", "
             "\"url\": \"file:///nowhere.geojson\", \"value\": \"pm10\"%s } ] }",
             extra);
    memset(s, 0, sizeof *s);
    if (app_scene_parse(text, strlen(text), "scenes", s, err, n) != TW_OK) return NULL;
    const app_layer_entry *e = app_scene_find(s, "sensors");
    return e ? e->cfg : NULL;
}

static void test_bands_parse(void)
{
    app_scene s;
    char err[512] = "";
    const app_live_cfg *c =
        sensors(", \"bands\": [ {\"name\": \"좋음\", \"max\": 30}, {\"name\": \"보통\", \"max\": "
                "80, \"color\": \"#102030\"}, {\"name\": \"나쁨\", \"max\": 150, \"alert\": true}, "
                "{\"name\": \"매우나쁨\", \"alert\": true} ]",
                &s, err, sizeof err);
    TW_CHECK_MSG(c != NULL, "%s", err);
    if (c) {
        TW_CHECK(c->band_count == 4);
        TW_CHECK_STR(c->bands[0].name, "좋음");
        TW_CHECK_STR(c->bands[3].name, "매우나쁨");
        TW_CHECK(c->bands[1].color.r == 0x10 && c->bands[1].color.g == 0x20 &&
                 c->bands[1].color.b == 0x30);
        TW_CHECK(isinf(c->bands[3].max));
        TW_CHECK(!c->bands[0].alert && !c->bands[1].alert && c->bands[2].alert &&
                 c->bands[3].alert);
        TW_CHECK(app_live_band_of(c, 0) == 0);
        TW_CHECK(app_live_band_of(c, 30) == 0);
        TW_CHECK(app_live_band_of(c, 30.5) == 1);
        TW_CHECK(app_live_band_of(c, 80) == 1);
        TW_CHECK(app_live_band_of(c, 151) == 3);
        TW_CHECK(app_live_band_of(c, 1e9) == 3);
        TW_CHECK(app_live_band_of(c, NAN) == -1);
    }
    if (c) app_scene_free(&s);

    c = sensors(", \"bands\": \"airkorea-pm25\"", &s, err, sizeof err);
    TW_CHECK_MSG(c != NULL, "%s", err);
    if (c) {
        TW_CHECK(c->band_count == 4);
        TW_CHECK(app_live_band_of(c, 15) == 0 && app_live_band_of(c, 16) == 1);
        TW_CHECK(app_live_band_of(c, 75) == 2 && app_live_band_of(c, 76) == 3);
        TW_CHECK(!c->bands[1].alert && c->bands[2].alert);
        TW_CHECK(strstr(c->bands[2].name, "나쁨") != NULL);
    }
    if (c) app_scene_free(&s);
    c = sensors(", \"bands\": \"airkorea-pm10\"", &s, err, sizeof err);
    TW_CHECK(c && app_live_band_of(c, 80) == 1 && app_live_band_of(c, 81) == 2 &&
             app_live_band_of(c, 151) == 3);
    if (c) app_scene_free(&s);
}

static void test_bands_errors(void)
{
    static const struct {
        const char *extra, *want;
    } bad[] = {
        {", \"bands\": []", "bands"},
        {", \"bands\": \"who-pm10\"", "airkorea-pm10"},
        {", \"bands\": [ {\"max\": 3}, {\"name\": \"b\"} ]", "name"},
        {", \"bands\": [ {\"name\": \"a\"}, {\"name\": \"b\"} ]", "max"},
        {", \"bands\": [ {\"name\": \"a\", \"max\": 5}, {\"name\": \"b\", \"max\": 5}, "
         "{\"name\": \"c\"} ]",
         "above"},
        {", \"bands\": [ {\"name\": \"a\", \"max\": 5, \"color\": \"red\"}, {\"name\": \"b\"} ]",
         "#rrggbb"},
        {", \"bands\": [ {\"name\": \"a\", \"max\": 5, \"alert\": 1}, {\"name\": \"b\"} ]",
         "alert"},
        {", \"thresholds\": [1, 2], \"bands\": \"airkorea-pm10\"", "thresholds"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        app_scene s;
        char err[512] = "";
        const app_live_cfg *c = sensors(bad[i].extra, &s, err, sizeof err);
        TW_CHECK_MSG(c == NULL, "accepted: %s", bad[i].extra);
        TW_CHECK_MSG(strstr(err, bad[i].want) != NULL, "%s: message \"%s\" lacks \"%s\"",
                     bad[i].extra, err, bad[i].want);
        if (c) app_scene_free(&s);
    }
}

static void test_units(void)
{
    TW_CHECK_STR(app_live_unit("GQ"), "㎍/㎥");
    TW_CHECK_STR(app_live_unit("GP"), "㎎/㎥");
    TW_CHECK_STR(app_live_unit("CEL"), "°C");
    TW_CHECK_STR(app_live_unit("P1"), "%");
    TW_CHECK_STR(app_live_unit("2N"), "dB");
    TW_CHECK_STR(app_live_unit("KMH"), "km/h");
    TW_CHECK_STR(app_live_unit("MTS"), "m/s");
    TW_CHECK_STR(app_live_unit("A97"), "hPa");
    TW_CHECK_STR(app_live_unit("59"), "ppm");
    TW_CHECK_STR(app_live_unit("61"), "ppb");
    /* A SensorThings unitOfMeasurement.symbol is shown as given. */
    TW_CHECK_STR(app_live_unit("µg/m³"), "µg/m³");
    TW_CHECK_STR(app_live_unit("mm"), "mm");
    TW_CHECK(app_live_unit(NULL) == NULL);
    tw_obs_value coded = {.name = "pm10", .unit = "GQ"}, bare = {.name = "pm25"},
                 sym = {.name = "기울기", .unit = "°"}, none = {.name = "tilt"};
    TW_CHECK_STR(app_live_unit_of(&coded), "㎍/㎥");
    TW_CHECK_STR(app_live_unit_of(&bare), "㎍/㎥");
    TW_CHECK_STR(app_live_unit_of(&sym), "°");
    TW_CHECK(app_live_unit_of(&none) == NULL);
    TW_CHECK(app_live_unit_of(NULL) == NULL);
}

int main(void)
{
    TW_RUN(test_bands_parse);
    TW_RUN(test_bands_errors);
    TW_RUN(test_units);
    return TW_TEST_END();
}
