// Exact WGS84 geometry for drawing (no spherical or flat-earth shortcuts):
// geodetic <-> ECEF (ellipsoid of WGS84, NIMA TR8350.2), and the local East-North-Up frame
// at a point. Shapes measured in metres on the ground (95 % error ellipses, protected-site
// radii, arrow heads) are built in the tangent plane of their centre and mapped back through
// ECEF, the same construction as truceline.geo on the server.

const A = 6378137.0; // semi-major axis, m
const F = 1 / 298.257223563; // flattening
const E2 = F * (2 - F); // first eccentricity squared

export type Vec3 = [number, number, number];
export type LonLat = [number, number];

const rad = (d: number): number => (d * Math.PI) / 180;
const deg = (r: number): number => (r * 180) / Math.PI;

export function geodeticToEcef(latDeg: number, lonDeg: number, h = 0): Vec3 {
  const lat = rad(latDeg);
  const lon = rad(lonDeg);
  const sinLat = Math.sin(lat);
  const n = A / Math.sqrt(1 - E2 * sinLat * sinLat); // prime-vertical radius of curvature
  const r = (n + h) * Math.cos(lat);
  return [r * Math.cos(lon), r * Math.sin(lon), (n * (1 - E2) + h) * sinLat];
}

/** ECEF to (lat, lon, h) by fixed-point iteration on latitude; converges to < 1e-12 rad. */
export function ecefToGeodetic([x, y, z]: Vec3): [number, number, number] {
  const p = Math.hypot(x, y);
  const lon = Math.atan2(y, x);
  let lat = Math.atan2(z, p * (1 - E2));
  let h = 0;
  for (let i = 0; i < 10; i += 1) {
    const sinLat = Math.sin(lat);
    const n = A / Math.sqrt(1 - E2 * sinLat * sinLat);
    h = p / Math.cos(lat) - n;
    const next = Math.atan2(z, p * (1 - (E2 * n) / (n + h)));
    const done = Math.abs(next - lat) < 1e-13;
    lat = next;
    if (done) break;
  }
  return [deg(lat), deg(lon), h];
}

/** Rows are the East, North and Up unit vectors at (lat, lon), in ECEF. */
function enuAxes(latDeg: number, lonDeg: number): [Vec3, Vec3, Vec3] {
  const lat = rad(latDeg);
  const lon = rad(lonDeg);
  const [sl, cl, so, co] = [Math.sin(lat), Math.cos(lat), Math.sin(lon), Math.cos(lon)];
  return [
    [-so, co, 0],
    [-sl * co, -sl * so, cl],
    [cl * co, cl * so, sl],
  ];
}

/** The point at (east, north, up) metres from (lat, lon) in its local frame, as lon/lat. */
export function enuToLonLat(latDeg: number, lonDeg: number, east: number, north: number, up = 0): LonLat {
  const origin = geodeticToEcef(latDeg, lonDeg);
  const [e, n, u] = enuAxes(latDeg, lonDeg);
  const p: Vec3 = [0, 1, 2].map(
    (k) => origin[k] + east * e[k] + north * n[k] + up * u[k],
  ) as Vec3;
  const [lat, lon] = ecefToGeodetic(p);
  return [lon, lat];
}

/** (east, north, up) of `to` in the local frame at `from`. */
export function lonLatToEnu(from: LonLat, to: LonLat): Vec3 {
  const o = geodeticToEcef(from[1], from[0]);
  const p = geodeticToEcef(to[1], to[0]);
  const d = [p[0] - o[0], p[1] - o[1], p[2] - o[2]];
  const axes = enuAxes(from[1], from[0]);
  return axes.map((ax) => ax[0] * d[0] + ax[1] * d[1] + ax[2] * d[2]) as Vec3;
}

/**
 * The error ellipse as a closed ring: semi-axes in metres, azimuth of the major axis in
 * degrees clockwise from north (docs/formats/events.md). A point at parameter t lies at
 * a·cos t along the major axis (sin θ, cos θ) and b·sin t along the minor (cos θ, −sin θ).
 */
export function ellipseRing(
  center: LonLat,
  semiMajorM: number,
  semiMinorM: number,
  azimuthDeg: number,
  steps = 48,
): LonLat[] {
  const th = rad(azimuthDeg);
  const ring: LonLat[] = [];
  for (let i = 0; i < steps; i += 1) {
    const t = (2 * Math.PI * i) / steps;
    const a = semiMajorM * Math.cos(t);
    const b = semiMinorM * Math.sin(t);
    const east = a * Math.sin(th) + b * Math.cos(th);
    const north = a * Math.cos(th) - b * Math.sin(th);
    ring.push(enuToLonLat(center[1], center[0], east, north));
  }
  ring.push(ring[0]);
  return ring;
}

/** A circle of `radiusM` metres around a point, in its tangent plane. */
export function circleRing(center: LonLat, radiusM: number, steps = 64): LonLat[] {
  return ellipseRing(center, radiusM, radiusM, 0, steps);
}

/**
 * A launch→impact arrow: the line (densified along the ECEF chord, so long lines follow the
 * ellipsoid's normal section rather than a straight line in degrees) and a two-stroke head
 * at the impact, ±25° off the incoming direction, a fifth of the length but at most 1.5 km.
 */
export function arrowLines(from: LonLat, to: LonLat, steps = 16): LonLat[][] {
  const p = geodeticToEcef(from[1], from[0]);
  const q = geodeticToEcef(to[1], to[0]);
  const line: LonLat[] = [];
  for (let i = 0; i <= steps; i += 1) {
    const s = i / steps;
    const [lat, lon] = ecefToGeodetic([0, 1, 2].map((k) => p[k] + s * (q[k] - p[k])) as Vec3);
    line.push([lon, lat]);
  }
  const [e, n] = lonLatToEnu(to, from); // from the impact back towards the launch
  const length = Math.hypot(e, n);
  if (length === 0) return [line];
  const head = Math.min(length / 5, 1500);
  const barbs = [25, -25].map((angle) => {
    const c = Math.cos(rad(angle));
    const s = Math.sin(rad(angle));
    const be = ((e * c - n * s) / length) * head;
    const bn = ((e * s + n * c) / length) * head;
    return [enuToLonLat(to[1], to[0], be, bn), to, ] as LonLat[];
  });
  return [line, ...barbs];
}

/** Ray-casting point-in-polygon in lon/lat: GeoJSON edges are straight in lon/lat (RFC 7946). */
export function inRing(pt: LonLat, ring: LonLat[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > pt[1] !== yj > pt[1] && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi) {
      inside = !inside;
    }
  }
  return inside;
}

type PolyGeom = { type: string; coordinates: unknown };

/** Whether a point lies in a Polygon or MultiPolygon (holes respected). */
export function inPolygon(pt: LonLat, geometry: PolyGeom): boolean {
  const polys =
    geometry.type === "Polygon"
      ? [geometry.coordinates as LonLat[][]]
      : geometry.type === "MultiPolygon"
        ? (geometry.coordinates as LonLat[][][])
        : [];
  return polys.some(
    (rings) => rings.length > 0 && inRing(pt, rings[0]) && !rings.slice(1).some((r) => inRing(pt, r)),
  );
}
