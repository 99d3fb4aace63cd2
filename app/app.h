/* citytwin's application: command line, scene, frame loop, input, HUD,
 * headless snapshots and the load report. The only module that knows all
 * the others. */
#ifndef APP_H
#define APP_H

/* Runs citytwin; returns the process exit status:
 * 0 rendered (even when some layer failed), 1 the picture or report could
 * not be written, 2 bad command line or scene file, 3 no OpenGL. */
int app_run(int argc, char **argv);

#endif
