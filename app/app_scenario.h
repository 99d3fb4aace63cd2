/* The scenario layer kind ("scenario", what if): planned buildings added
 * (a footprint or a box, with floors or a height) and existing ones raised
 * or removed, kept in a GeoJSON beside the scene that the scene names
 * ("source"); the source data is never modified. Added buildings are drawn
 * and published to the obstacles service; raised and removed ones go
 * through the world's building edits, which the buildings layers apply;
 * so viewsheds, sun and wind analyses recompute with them. Keys: B shows
 * before / after (A/B), K places a 30 m box tower of 20 floors under the
 * cursor, U raises the building under the cursor by 10 floors, Y removes
 * it, Z draws a footprint (clicks on the ground; Enter or a double click
 * closes it, Esc cancels), J saves the scenario. After K, U or a drawn
 * footprint, digits and Enter set its floors (M: metres). */
#ifndef APP_SCENARIO_H
#define APP_SCENARIO_H

#include "app_layer.h"

extern const app_layer_kind app_scenario_kind;

#endif
