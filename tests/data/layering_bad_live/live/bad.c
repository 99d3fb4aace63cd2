/* live/ must not use GDAL: check_layers fails on this file. */
#include <gdal.h>
#include <curl/curl.h>
