/* Fixture for check_layers: render/ must not include GDAL. */
#include <gdal.h>
