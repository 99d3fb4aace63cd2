// bench_earcut's JavaScript half: the reference earcut (npm) on the
// polygons bench_earcut wrote, timed pass by pass on one thread.
//
//   node run.mjs POLYGONS.bin PASSES [EARCUT_PACKAGE_DIR ...]
//
// POLYGONS.bin, little-endian: "CTEC", u32 polygons, u32 rings, u32 points,
// u32 first ring of polygon p (polygons + 1), u32 first point of ring r
// (rings + 1), f64 x y per point. Prints one JSON line: the earcut version,
// triangles of one pass, and the CPU nanoseconds of each timed pass.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const [, , dataPath, passesArg, ...dirs] = process.argv;

async function loadEarcut() {
    for (const dir of dirs) {
        const pj = join(dir, 'package.json');
        if (!existsSync(pj)) continue;
        const pkg = JSON.parse(readFileSync(pj, 'utf8'));
        const entry = typeof pkg.exports === 'string' ? pkg.exports : pkg.main || 'index.js';
        const mod = await import(pathToFileURL(join(dir, entry)).href);
        return { earcut: mod.default || mod, version: pkg.version, dir };
    }
    // Resolved from this folder's node_modules (npm install --prefix bench/earcut).
    const url = import.meta.resolve('earcut');
    const mod = await import(url);
    const pkgDir = join(fileURLToPath(url), '..', '..');
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    return { earcut: mod.default || mod, version: pkg.version, dir: pkgDir };
}

let ec;
try {
    ec = await loadEarcut();
} catch (e) {
    console.log(JSON.stringify({ error: `the earcut npm package is not installed (${e.code || e.message})` }));
    process.exit(3);
}

const buf = readFileSync(dataPath);
const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
if (buf.toString('latin1', 0, 4) !== 'CTEC') {
    console.log(JSON.stringify({ error: `${dataPath} is not a bench_earcut polygon file` }));
    process.exit(2);
}
const polys = dv.getUint32(4, true), rings = dv.getUint32(8, true), points = dv.getUint32(12, true);
let off = 16;
const polyRing = new Uint32Array(polys + 1), ringStart = new Uint32Array(rings + 1);
for (let i = 0; i <= polys; i++, off += 4) polyRing[i] = dv.getUint32(off, true);
for (let i = 0; i <= rings; i++, off += 4) ringStart[i] = dv.getUint32(off, true);
const xy = new Float64Array(2 * points);
for (let i = 0; i < 2 * points; i++, off += 8) xy[i] = dv.getFloat64(off, true);

// Inputs as earcut takes them, made before the clock starts (as the C side
// has its arrays ready): flat coordinates and the holes' first vertices.
const data = [], holes = [];
for (let p = 0; p < polys; p++) {
    const r0 = polyRing[p], r1 = polyRing[p + 1], v0 = ringStart[r0];
    data.push(Array.from(xy.subarray(2 * v0, 2 * ringStart[r1])));
    const h = [];
    for (let r = r0 + 1; r < r1; r++) h.push(ringStart[r] - v0);
    holes.push(h.length ? h : undefined);
}

const earcut = ec.earcut;
function pass() {
    let tris = 0;
    for (let p = 0; p < polys; p++) tris += earcut(data[p], holes[p], 2).length / 3;
    return tris;
}
const passes = Math.max(1, parseInt(passesArg || '5', 10));
let triangles = 0;
for (let i = 0; i < 3; i++) triangles = pass(); // warm-up: the JIT compiles earcut
const ns = [];
for (let i = 0; i < passes; i++) {
    // CPU time (the machine is shared), as the C side measures its own.
    const c0 = process.cpuUsage();
    triangles = pass();
    const c = process.cpuUsage(c0);
    ns.push((c.user + c.system) * 1000);
}
console.log(JSON.stringify({ version: ec.version, node: process.version, polygons: polys, triangles, ns }));
