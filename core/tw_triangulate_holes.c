/* The general clipper's rings: each ring built as a linked list of nodes
 * (the outer one counter-clockwise, holes clockwise), and the vertex of the
 * merged ring that a hole is bridged to. */
#include "tw_triangulate_int.h"

#include <math.h>
#include <stdbool.h>

/* Side of a-b that p is on, with p within 1e-9 rad of the line read as on
 * it (0): rotated or rounded collinear points are not exactly collinear. */
int tri_side_xy(double ax, double ay, double bx, double by, double px, double py)
{
    double ux = bx - ax, uy = by - ay, vx = px - ax, vy = py - ay;
    double o = ux * vy - uy * vx, tol = 1e-9 * hypot(ux, uy) * hypot(vx, vy);
    return (o > tol) - (o < -tol);
}

/* True when (x, y) lies strictly inside the polygon's angle at node v. */
bool tri_locally_inside(const tri_state *s, int v, double x, double y)
{
    const tri_node *p = &s->nodes[v], *a = &s->nodes[p->prev], *b = &s->nodes[p->next];
    double l1 = orient_xy(a->x, a->y, p->x, p->y, x, y);
    double l2 = orient_xy(p->x, p->y, b->x, b->y, x, y);
    if (orient(a, p, b) >= 0) return l1 > 0 && l2 > 0;
    return l1 > 0 || l2 > 0;
}

/* Builds points [start, end) as a ring wound counter-clockwise (ccw) or
 * clockwise, without repeated points. Returns a node, or -1 for a ring with
 * no area (or on error, with s->err set). */
int tri_ring_build(tri_state *s, const double *xy, int start, int end, bool ccw)
{
    int len = end - start;
    if (len < 3) return -1;
    double area = tw_triangulate_signed_area(xy + 2 * (size_t)start, len);
    if (!(area != 0) || !isfinite(area)) return -1;
    bool reverse = (area > 0) != ccw;
    int first = -1, last = -1, n = 0, saved = s->count;
    for (int k = 0; k < len; k++) {
        int j = start + (reverse ? len - 1 - k : k);
        double x = xy[2 * (size_t)j], y = xy[2 * (size_t)j + 1];
        if (last >= 0 && s->nodes[last].x == x && s->nodes[last].y == y) continue;
        int v = tri_node_new(s, x, y, (uint32_t)j);
        if (v < 0) return -1;
        if (last >= 0) {
            s->nodes[v].prev = last;
            s->nodes[v].next = first;
            s->nodes[last].next = v;
            s->nodes[first].prev = v;
        } else {
            first = v;
        }
        last = v;
        n++;
    }
    if (n > 1 && same(&s->nodes[first], &s->nodes[last])) {
        tri_node_remove(s, last);
        n--;
    }
    if (n < 3) {
        s->count = saved;
        return -1;
    }
    return first;
}

/* A vertex of the merged ring that the hole's rightmost node m sees: cast a
 * ray to +x, take the nearest edge it hits from inside, then among the
 * vertices in the triangle (m, hit, edge end) the one at the smallest angle
 * to the ray. -1 when the ray leaves the ring (hole outside: ignored). */
int tri_find_bridge(tri_state *s, int outer, int m)
{
    const tri_node *M = &s->nodes[m];
    double mx = M->x, my = M->y, hit = HUGE_VAL;
    int edge = -1, p = outer;
    do {
        const tri_node *a = &s->nodes[p], *b = &s->nodes[a->next];
        s->work++;
        /* Edges going up have the inside on their -x side, where m is. */
        if (a->y <= my && my <= b->y && a->y < b->y) {
            double x = my == a->y   ? a->x
                       : my == b->y ? b->x
                                    : a->x + (my - a->y) / (b->y - a->y) * (b->x - a->x);
            if (x >= mx && x < hit) {
                hit = x;
                edge = p;
            }
        }
        p = a->next;
    } while (p != outer);
    if (edge < 0) return -1;
    const tri_node *ea = &s->nodes[edge], *eb = &s->nodes[ea->next];
    const tri_node *P = (hit == ea->x && my == ea->y)   ? ea
                        : (hit == eb->x && my == eb->y) ? eb
                        : ea->x > eb->x                 ? ea
                                                        : eb;
    double px = P->x, py = P->y;
    int best = -1, best_in = 0;
    double best_ang = 0, best_dx = 0;
    p = outer;
    do {
        const tri_node *v = &s->nodes[p];
        s->work++;
        if (v->x >= mx && v->x <= fmax(px, hit)) {
            /* In the triangle, or within rounding of it: a vertex on the
             * sight line must be taken, or the bridge grazes it. */
            int s1 = tri_side_xy(mx, my, hit, my, v->x, v->y);
            int s2 = tri_side_xy(hit, my, px, py, v->x, v->y);
            int s3 = tri_side_xy(px, py, mx, my, v->x, v->y);
            bool in = (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
            if (in || (v->x == px && v->y == py)) {
                double dx = v->x - mx, dy = fabs(v->y - my);
                double ang = dx > 0 || dy > 0 ? atan2(dy, dx) : -1;
                int li = tri_locally_inside(s, p, mx, my);
                bool tie = fabs(ang - best_ang) <= 1e-9;
                if (best < 0 || (!tie && ang < best_ang) ||
                    (tie && (dx < best_dx || (dx == best_dx && li > best_in)))) {
                    best = p;
                    best_ang = ang;
                    best_dx = dx;
                    best_in = li;
                }
            }
        }
        p = v->next;
    } while (p != outer);
    return best;
}

int tri_hole_cmp(const void *a, const void *b)
{
    const tri_hole *p = a, *q = b;
    if (p->x != q->x) return p->x > q->x ? -1 : 1;
    return (p->node > q->node) - (p->node < q->node);
}

/* The layout; the coordinates are check_finite's (or tw_tri_small's). */
