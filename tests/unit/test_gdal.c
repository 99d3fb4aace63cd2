/* GDAL set-up: each scene's remote timeouts take effect when the next scene
 * starts, not only the first scene's. */
#include "geo_gdal.h"
#include "tw_test.h"

#include <cpl_conv.h>

static void test_later_call_applies_its_timeout(void)
{
    TW_CHECK(geo_gdal_init(&(geo_gdal_desc){.http_timeout_s = 20}) == TW_OK);
    TW_CHECK_NEAR(geo_gdal_http_timeout_s(), 20, 0);
    TW_CHECK_STR(CPLGetConfigOption("GDAL_HTTP_TIMEOUT", NULL), "20");
    /* The next scene asks for 5 s: GDAL's requests get 5 s from now on. */
    TW_CHECK(geo_gdal_init(&(geo_gdal_desc){.http_timeout_s = 5}) == TW_OK);
    TW_CHECK_NEAR(geo_gdal_http_timeout_s(), 5, 0);
    TW_CHECK_STR(CPLGetConfigOption("GDAL_HTTP_TIMEOUT", NULL), "5");
    TW_CHECK(geo_gdal_init(&(geo_gdal_desc){.http_timeout_s = 2.5, .http_connect_s = 1}) == TW_OK);
    TW_CHECK_NEAR(geo_gdal_http_timeout_s(), 3, 0);
    TW_CHECK_STR(CPLGetConfigOption("GDAL_HTTP_CONNECTTIMEOUT", NULL), "1");
    /* A scene without one gets the default again, not the last scene's. */
    TW_CHECK(geo_gdal_init(NULL) == TW_OK);
    TW_CHECK_NEAR(geo_gdal_http_timeout_s(), 30, 0);
    TW_CHECK_STR(CPLGetConfigOption("GDAL_HTTP_TIMEOUT", NULL), "30");
    TW_CHECK_STR(CPLGetConfigOption("GDAL_HTTP_CONNECTTIMEOUT", NULL), "10");
    geo_gdal_shutdown();
}

int main(void)
{
    TW_RUN(test_later_call_applies_its_timeout);
    return TW_TEST_END();
}
