/* core/tw_jscan: structure, strings with every escape, numbers rounded
 * exactly as strtod rounds them, errors at the right byte, depth cap,
 * element-by-element reading, and agreement with json-c on the shipped
 * feed samples (every string, number and member compared). */
#include "tw_file.h"
#include "tw_jscan.h"
#include "tw_json.h"
#include "tw_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool str_eq(const tw_jdoc *d, int i, const char *want, size_t n)
{
    return tw_jis(d, i, TW_J_STRING) && d->nodes[i].len == n && memcmp(d->nodes[i].s, want, n) == 0;
}

static void test_structure(void)
{
    const char *text = "\xEF\xBB\xBF {\"a\": [1, -2.5e1, true, false, null, {}, []],"
                       " \"b\": {\"c\": \"x\"}, \"a\": \"again\"}\n";
    tw_jdoc d;
    tw_jdoc_init(&d);
    TW_CHECK(tw_jparse(&d, text, strlen(text)));
    TW_CHECK(tw_jis(&d, 0, TW_J_OBJECT) && tw_jcount(&d, 0) == 3);
    TW_CHECK(d.nodes[0].end == d.count);
    TW_CHECK(str_eq(&d, tw_jget(&d, 0, "a"), "again", 5)); /* the last, as json-c keeps */
    int arr = 2;                                           /* the first "a" value */
    TW_CHECK(tw_jis(&d, arr, TW_J_ARRAY) && tw_jcount(&d, arr) == 7);
    double x = 0;
    TW_CHECK(tw_jnumber(&d, tw_jat(&d, arr, 1), &x) && x == -25.0);
    TW_CHECK(tw_jinteger(&d, tw_jat(&d, arr, 0)) && !tw_jinteger(&d, tw_jat(&d, arr, 1)));
    TW_CHECK(tw_jis(&d, tw_jat(&d, arr, 2), TW_J_TRUE) &&
             tw_jis(&d, tw_jat(&d, arr, 3), TW_J_FALSE));
    TW_CHECK(tw_jis(&d, tw_jat(&d, arr, 4), TW_J_NULL));
    TW_CHECK(tw_jis(&d, tw_jat(&d, arr, 5), TW_J_OBJECT) && tw_jcount(&d, tw_jat(&d, arr, 5)) == 0);
    TW_CHECK(tw_jfirst(&d, tw_jat(&d, arr, 6)) == -1);
    TW_CHECK(tw_jat(&d, arr, 7) == -1 && tw_jat(&d, arr, -1) == -1);
    int n = 0;
    for (int c = tw_jfirst(&d, arr); c >= 0; c = tw_jnext(&d, arr, c)) n++;
    TW_CHECK(n == 7);
    TW_CHECK(tw_jstr_is(&d, tw_jget(&d, tw_jget(&d, 0, "b"), "c"), "x"));
    TW_CHECK(tw_jget(&d, 0, "zz") == -1 && tw_jget(&d, arr, "a") == -1);
    TW_CHECK(strcmp(tw_jtype_name(&d, arr), "array") == 0);
    tw_jdoc_free(&d);
}

static void test_strings(void)
{
    const char *text = "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"Tom\\u00e1s\", \"\\ud83d\\ude00\","
                       " \"\\ud800x\", \"a\\u0000b\", \"가나\", \"\"]";
    tw_jdoc d;
    tw_jdoc_init(&d);
    TW_CHECK(tw_jparse(&d, text, strlen(text)));
    TW_CHECK(str_eq(&d, tw_jat(&d, 0, 0), "\"\\/\b\f\n\r\t", 8));
    TW_CHECK(str_eq(&d, tw_jat(&d, 0, 1), "Tom\xC3\xA1s", 6));
    TW_CHECK(str_eq(&d, tw_jat(&d, 0, 2), "\xF0\x9F\x98\x80", 4));
    TW_CHECK(str_eq(&d, tw_jat(&d, 0, 3), "\xEF\xBF\xBDx", 4)); /* a lone surrogate */
    TW_CHECK(str_eq(&d, tw_jat(&d, 0, 4), "a\0b", 3));
    TW_CHECK(str_eq(&d, tw_jat(&d, 0, 5), "가나", 6));
    TW_CHECK(str_eq(&d, tw_jat(&d, 0, 6), "", 0));
    /* Control characters in a string pass, as json-c lets them; a NUL byte
     * ends the text (json-c stops there too). */
    TW_CHECK(tw_jparse(&d, "[\"a\tb\"]", 7) && str_eq(&d, 1, "a\tb", 3));
    TW_CHECK(!tw_jparse(&d, "[\"a\0b\"]", 7) && tw_jdoc_error(&d, NULL) == 3);
    TW_CHECK(tw_jparse(&d, text, strlen(text)));
    char small[4];
    TW_CHECK(!tw_jstr_copy(&d, tw_jat(&d, 0, 5), small, sizeof small));
    char big[16];
    TW_CHECK(tw_jstr_copy(&d, tw_jat(&d, 0, 1), big, sizeof big) &&
             strcmp(big, "Tom\xC3\xA1s") == 0);
    tw_jdoc_free(&d);
}

static void test_numbers(void)
{
    const char *nums[] = {"0",
                          "-0",
                          "0.1",
                          "0.68",
                          "37.560927",
                          "127.193877",
                          "-8.60961198807",
                          "1e22",
                          "1e23",
                          "1E-7",
                          "123456789012345",
                          "1234567890123456789",
                          "123456789012345678901234567890",
                          "9007199254740993",
                          "2.2250738585072011e-308",
                          "4.9e-324",
                          "1.7976931348623157e308",
                          "1e400",
                          "0.000000000000000000000000000001",
                          "3.141592653589793238462643383279",
                          "200000.5",
                          "1e+2"};
    tw_jdoc d;
    tw_jdoc_init(&d);
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        TW_CHECK_MSG(tw_jparse(&d, nums[i], strlen(nums[i])), "%s", nums[i]);
        double x = NAN, want = strtod(nums[i], NULL);
        TW_CHECK_MSG(tw_jnumber(&d, 0, &x) && (x == want || (isnan(x) && isnan(want))) &&
                         signbit(x) == signbit(want),
                     "%s: %.17g, strtod %.17g", nums[i], x, want);
    }
    tw_jdoc_free(&d);
}

static void test_errors(void)
{
    struct {
        const char *text;
        size_t at;
    } bad[] = {{"", 0},
               {"  ", 2},
               {"[1,]", 3},
               {"{\"a\" 1}", 5},
               {"[1 2]", 3},
               {"\"abc", 4},
               {"01", 1},
               {"1.", 2},
               {"-", 0},
               {"tru", 0},
               {"[1]x", 3},
               {"{\"a\":1,}", 7},
               {"{1: 2}", 1},
               {"[\"\\x\"]", 2},
               {"[\"\\u12g4\"]", 2},
               {"nul", 0},
               {"[-a]", 1},
               {"1e", 2},
               {"[1,\n 2,\n ?]", 9},
               {"{\"a\":", 5},
               {"[", 1},
               {"[true false]", 6},
               {"NaN", 0}};
    tw_jdoc d;
    tw_jdoc_init(&d);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *t = bad[i].text;
        TW_CHECK_MSG(!tw_jparse(&d, t, strlen(t)), "accepted %s", t);
        const char *why = NULL;
        size_t at = tw_jdoc_error(&d, &why);
        TW_CHECK_MSG(at == bad[i].at && why && why[0], "%s: at %zu (%s), want %zu", t, at,
                     why ? why : "", bad[i].at);
    }
    const char *t = "[1,\n 2,\n ?]";
    char msg[128];
    TW_CHECK(!tw_jparse(&d, t, strlen(t)));
    tw_jdoc_error_text(&d, t, strlen(t), msg, sizeof msg);
    TW_CHECK_MSG(strcmp(msg, "line 3, column 2 (byte 9): unexpected character") == 0, "%s", msg);

    /* 64 levels read, 65 do not. */
    char deep[200];
    for (int depth = 64; depth <= 65; depth++) {
        for (int k = 0; k < depth; k++) {
            deep[k] = '[';
            deep[2 * depth - 1 - k] = ']';
        }
        bool ok = tw_jparse(&d, deep, (size_t)(2 * depth));
        TW_CHECK_MSG(ok == (depth == 64), "depth %d", depth);
    }
    tw_jdoc_free(&d);
}

static void test_elements(void)
{
    const char *t = "[ {\"a\": 1} , \"s\",[2]]";
    size_t len = strlen(t), i = 1;
    tw_jdoc d;
    tw_jdoc_init(&d);
    TW_CHECK(tw_jparse_value(&d, t, len, &i) && i == 10 && tw_jis(&d, 0, TW_J_OBJECT));
    i = 13;
    TW_CHECK(tw_jparse_value(&d, t, len, &i) && i == 16 && tw_jstr_is(&d, 0, "s"));
    i = 17;
    TW_CHECK(tw_jparse_value(&d, t, len, &i) && i == 20 && tw_jcount(&d, 0) == 1);
    tw_jdoc_free(&d);
}

/* Node i of d against json-c's tree o. */
static bool same(const tw_jdoc *d, int i, json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_null:
        return tw_jis(d, i, TW_J_NULL);
    case json_type_boolean:
        return tw_jis(d, i, json_object_get_boolean(o) ? TW_J_TRUE : TW_J_FALSE);
    case json_type_int:
    case json_type_double: {
        double x;
        return tw_jnumber(d, i, &x) && x == json_object_get_double(o);
    }
    case json_type_string:
        return str_eq(d, i, json_object_get_string(o), (size_t)json_object_get_string_len(o));
    case json_type_array: {
        size_t n = json_object_array_length(o);
        if (!tw_jis(d, i, TW_J_ARRAY) || (size_t)tw_jcount(d, i) != n) return false;
        for (size_t k = 0; k < n; k++)
            if (!same(d, tw_jat(d, i, (int)k), json_object_array_get_idx(o, k))) return false;
        return true;
    }
    case json_type_object: {
        if (!tw_jis(d, i, TW_J_OBJECT) || tw_jcount(d, i) != json_object_object_length(o))
            return false;
        json_object_object_foreach(o, key, val)
        {
            if (!same(d, tw_jget(d, i, key), val)) return false;
        }
        return true;
    }
    }
    return false;
}

static void test_against_jsonc(void)
{
    const char *files[] = {"tests/data/feeds/OffStreetParking_example-normalized.jsonld",
                           "tests/data/feeds/AirQualityObserved_example.json",
                           "tests/data/feeds/WeatherObserved_example-normalized.jsonld",
                           "tests/data/feeds/seoul_GetParkInfo_20200221_excerpt.json",
                           "tests/data/feeds/toronto-bike_Things.json",
                           "assets/data/points/seoul_subway_stations_2024.geojson",
                           "assets/data/admin/seoul_gu_2018.geojson"};
    tw_jdoc d;
    tw_jdoc_init(&d);
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[1024], err[256];
        char *text = NULL;
        size_t len = 0;
        if (tw_file_read(tw_test_shipped(files[f], path, sizeof path), 1 << 26, &text, &len) !=
            TW_OK) {
            TW_CHECK_MSG(false, "cannot read %s", path);
            continue;
        }
        json_object *o = NULL;
        TW_CHECK(tw_json_parse(text, len, &o, err, sizeof err) == TW_OK);
        TW_CHECK_MSG(tw_jparse(&d, text, len), "%s", files[f]);
        TW_CHECK_MSG(o && same(&d, 0, o), "%s differs from json-c", files[f]);
        json_object_put(o);
        free(text);
    }
    tw_jdoc_free(&d);
}

int main(void)
{
    TW_RUN(test_structure);
    TW_RUN(test_strings);
    TW_RUN(test_numbers);
    TW_RUN(test_errors);
    TW_RUN(test_elements);
    TW_RUN(test_against_jsonc);
    return TW_TEST_END();
}
