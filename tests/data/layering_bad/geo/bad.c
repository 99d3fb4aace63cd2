/* Fixture for check_layers: geo/ must not include GL. */
#include <epoxy/gl.h>
