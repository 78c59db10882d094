// secp256k1 double-scalar multiplication and the final ECDSA / BIP340
// check, one signature per invocation (host side: src/backend/gpu/sigverify.rs).
//
// Field elements are eight 32-bit limbs, least significant first, always
// fully reduced below p. WGSL has neither 64-bit integers nor a high-half
// multiply, so a 32x32 product is built from four 16x16 ones (`mul_wide`).
// p = 2^256 - 0x1000003d1, so the high half of a product folds back in as
// high * (2^32 + 977): two limb-shifted passes instead of a division.
//
// Points are homogeneous projective (X, Y, Z), x = X/Z, y = Y/Z, with
// Z = 0 meaning infinity, under a complete addition law: a verifier meets
// doubling and opposite points on crafted inputs (Q = G, Q = -G, u1 = u2),
// and one branch-free formula also keeps the shader small, which matters
// because software adapters inline every call and compile for minutes.
//
// Item layout (ITEM_WORDS u32 per signature, all numbers as limbs):
//   0      kind: 0 ECDSA, 1 BIP340
//   1      ECDSA: 1 when r + n < p (then x may also equal r + n)
//   2..10  first scalar: u1 (ECDSA) or s (BIP340), multiplies G
//   10..18 second scalar: u2 (ECDSA) or n - e (BIP340), multiplies Q
//   18..26 Q.x, 26..34 Q.y (affine, on the curve: checked by the host)
//   34..42 r as a field element, 42..50 r + n (when word 1 is 1)
// Output: one word per item, 1 when the signature verifies, else 0.

const ITEM_WORDS: u32 = 52u;

@group(0) @binding(0) var<storage, read> items: array<u32>;
@group(0) @binding(1) var<storage, read_write> verdicts: array<u32>;
// Word 0: items in this dispatch; words 1 and 2: the ladder steps to run.
@group(0) @binding(2) var<storage, read> params: array<u32>;
// Per item, between dispatches: the accumulator, then G + Q (projective).
@group(0) @binding(3) var<storage, read_write> state: array<u32>;

const STATE_WORDS: u32 = 48u;
const LADDER_STEPS: u32 = 513u;

override WORKGROUP_SIZE: u32 = 64u;

alias Fe = array<u32, 8>;

struct Point {
    x: Fe,
    y: Fe,
    z: Fe,
}

const GX: Fe = Fe(0x16f81798u, 0x59f2815bu, 0x2dce28d9u, 0x029bfcdbu,
                  0xce870b07u, 0x55a06295u, 0xf9dcbbacu, 0x79be667eu);
const GY: Fe = Fe(0xfb10d4b8u, 0x9c47d08fu, 0xa6855419u, 0xfd17b448u,
                  0x0e1108a8u, 0x5da4fbfcu, 0x26a3c465u, 0x483ada77u);
const ZERO: Fe = Fe(0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
const ONE: Fe = Fe(1u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);

// (lo, hi) of a * b.
fn mul_wide(a: u32, b: u32) -> vec2<u32> {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = p01 + p10;
    // A carry out of mid is worth 2^48, i.e. 2^16 in the high word.
    let mid_carry = select(0u, 0x10000u, mid < p01);
    let lo = p00 + (mid << 16u);
    let lo_carry = select(0u, 1u, lo < p00);
    return vec2<u32>(lo, p11 + (mid >> 16u) + mid_carry + lo_carry);
}

// (lo, hi) of t + a * b + c; at most 2^64 - 1, so hi never overflows.
fn mac(t: u32, a: u32, b: u32, c: u32) -> vec2<u32> {
    let p = mul_wide(a, b);
    let s1 = p.x + t;
    let c1 = select(0u, 1u, s1 < t);
    let s2 = s1 + c;
    let c2 = select(0u, 1u, s2 < c);
    return vec2<u32>(s2, p.y + c1 + c2);
}

fn is_zero(a: Fe) -> bool {
    var acc = 0u;
    for (var i = 0u; i < 8u; i++) {
        acc |= a[i];
    }
    return acc == 0u;
}

fn fe_eq(a: Fe, b: Fe) -> bool {
    var acc = 0u;
    for (var i = 0u; i < 8u; i++) {
        acc |= a[i] ^ b[i];
    }
    return acc == 0u;
}

// Limb i of p, or of p - 2 (the inversion exponent) with `minus2`; a
// function rather than an indexed constant array, which some compilers
// handle poorly.
fn p_limb(i: u32, minus2: bool) -> u32 {
    if (i == 0u) {
        return select(0xfffffc2fu, 0xfffffc2du, minus2);
    }
    return select(0xffffffffu, 0xfffffffeu, i == 1u);
}

// a >= p, for a below 2^256.
fn ge_p(a: Fe) -> bool {
    for (var k = 0u; k < 8u; k++) {
        let i = 7u - k;
        let pi = p_limb(i, false);
        if (a[i] != pi) {
            return a[i] > pi;
        }
    }
    return true;
}

// a - p mod 2^256.
fn sub_p(a: Fe) -> Fe {
    var r: Fe;
    var borrow = 0u;
    for (var i = 0u; i < 8u; i++) {
        let d = a[i] - p_limb(i, false);
        let b1 = select(0u, 1u, a[i] < p_limb(i, false));
        r[i] = d - borrow;
        borrow = b1 | select(0u, 1u, d < borrow);
    }
    return r;
}

fn fe_add(a: Fe, b: Fe) -> Fe {
    var r: Fe;
    var carry = 0u;
    for (var i = 0u; i < 8u; i++) {
        let s = a[i] + b[i];
        let c1 = select(0u, 1u, s < a[i]);
        r[i] = s + carry;
        carry = c1 | select(0u, 1u, r[i] < s);
    }
    // a + b < 2p: at most one subtraction, also when the sum left 2^256.
    if (carry != 0u || ge_p(r)) {
        r = sub_p(r);
    }
    return r;
}

fn fe_sub(a: Fe, b: Fe) -> Fe {
    var r: Fe;
    var borrow = 0u;
    for (var i = 0u; i < 8u; i++) {
        let d = a[i] - b[i];
        let b1 = select(0u, 1u, a[i] < b[i]);
        r[i] = d - borrow;
        borrow = b1 | select(0u, 1u, d < borrow);
    }
    if (borrow != 0u) {
        // Wrapped below zero: adding p mod 2^256 lands in [0, p).
        var carry = 0u;
        for (var i = 0u; i < 8u; i++) {
            let s = r[i] + p_limb(i, false);
            let c1 = select(0u, 1u, s < r[i]);
            r[i] = s + carry;
            carry = c1 | select(0u, 1u, r[i] < s);
        }
    }
    return r;
}

// lo + hi * 2^256 as ten limbs, with hi * 2^256 replaced by hi * (2^32 + 977).
fn fold(lo: Fe, hi: Fe) -> array<u32, 10> {
    var u: array<u32, 10>;
    for (var i = 0u; i < 8u; i++) {
        u[i] = lo[i];
    }
    var carry = 0u;
    for (var j = 0u; j < 8u; j++) {
        let m = mac(u[j], hi[j], 977u, carry);
        u[j] = m.x;
        carry = m.y;
    }
    u[8] = carry;
    carry = 0u;
    for (var j = 0u; j < 8u; j++) {
        let m = mac(u[j + 1u], hi[j], 1u, carry);
        u[j + 1u] = m.x;
        carry = m.y;
    }
    u[9] = carry;
    return u;
}

// A 512-bit value (limbs, least significant first) mod p.
fn reduce_wide(t: array<u32, 16>) -> Fe {
    var lo: Fe;
    var hi: Fe;
    for (var i = 0u; i < 8u; i++) {
        lo[i] = t[i];
        hi[i] = t[i + 8u];
    }
    // First fold leaves below 2^256 * 2^34; the second below 2^256 + 2^67.
    var u = fold(lo, hi);
    for (var i = 0u; i < 8u; i++) {
        lo[i] = u[i];
    }
    u = fold(lo, Fe(u[8], u[9], 0u, 0u, 0u, 0u, 0u, 0u));
    var r: Fe;
    for (var i = 0u; i < 8u; i++) {
        r[i] = u[i];
    }
    if (u[8] != 0u) {
        // Dropping 2^256 means adding 2^32 + 977; r is tiny here, no carry out.
        var carry = 0u;
        let add = Fe(977u, 1u, 0u, 0u, 0u, 0u, 0u, 0u);
        for (var i = 0u; i < 8u; i++) {
            let s = r[i] + add[i];
            let c1 = select(0u, 1u, s < r[i]);
            r[i] = s + carry;
            carry = c1 | select(0u, 1u, r[i] < s);
        }
    }
    if (ge_p(r)) {
        r = sub_p(r);
    }
    return r;
}

fn fe_mul(a: Fe, b: Fe) -> Fe {
    var t: array<u32, 16>;
    for (var i = 0u; i < 8u; i++) {
        var carry = 0u;
        let ai = a[i];
        for (var j = 0u; j < 8u; j++) {
            let m = mac(t[i + j], ai, b[j], carry);
            t[i + j] = m.x;
            carry = m.y;
        }
        t[i + 8u] = carry;
    }
    return reduce_wide(t);
}

// a^(p-2) = 1/a (Fermat); only the BIP340 path needs an affine point.
// One multiplication site for squarings and products alike: a software
// adapter inlines every call, and each site is a full 8x8 limb product.
fn fe_inv(a: Fe) -> Fe {
    var r = ONE;
    for (var step = 0u; step < 512u; step++) {
        let bit = 255u - step / 2u;
        var m = r;
        if ((step & 1u) == 1u) {
            if (((p_limb(bit / 32u, true) >> (bit % 32u)) & 1u) == 0u) {
                continue;
            }
            m = a;
        }
        r = fe_mul(r, m);
    }
    return r;
}

fn times3(a: Fe) -> Fe {
    return fe_add(fe_add(a, a), a);
}

// 21 a = 3 b a (b = 7), by additions.
fn times21(a: Fe) -> Fe {
    let a2 = fe_add(a, a);
    let a4 = fe_add(a2, a2);
    let a8 = fe_add(a4, a4);
    let a16 = fe_add(a8, a8);
    return fe_add(fe_add(a16, a4), a);
}

fn infinity() -> Point {
    return Point(ZERO, ONE, ZERO);
}

// Complete addition in homogeneous projective coordinates (Renes, Costello,
// Batina 2015, algorithm 7, a = 0): exact for every pair of points,
// doubling and opposite points and infinity included, so one formula serves
// the whole ladder. Its twelve products run in one loop with a single
// `fe_mul` call site: six independent ones, then the linear middle of the
// formula, then six more. Compilers inline every call, and each inlined
// product is a full 8x8 limb multiplication and reduction.
fn pt_add(p: Point, q: Point) -> Point {
    var l = array<Fe, 6>(p.x, p.y, p.z, fe_add(p.x, p.y), fe_add(p.y, p.z), fe_add(p.x, p.z));
    var r = array<Fe, 6>(q.x, q.y, q.z, fe_add(q.x, q.y), fe_add(q.y, q.z), fe_add(q.x, q.z));
    var m: array<Fe, 12>;
    for (var k = 0u; k < 12u; k++) {
        if (k == 6u) {
            let xx = m[0];
            let yy = m[1];
            let zz = m[2];
            let xy = fe_sub(m[3], fe_add(xx, yy));
            let yz = fe_sub(m[4], fe_add(yy, zz));
            let xz = fe_sub(m[5], fe_add(xx, zz));
            let bzz3 = times21(zz);
            let yy_m = fe_sub(yy, bzz3);
            let yy_p = fe_add(yy, bzz3);
            let xx3 = times3(xx);
            l = array<Fe, 6>(xy, times21(yz), yy_p, times21(xx3), yz, xx3);
            r = array<Fe, 6>(yy_m, xz, yy_m, xz, yy_p, xy);
        }
        m[k] = fe_mul(l[k % 6u], r[k % 6u]);
    }
    return Point(fe_sub(m[6], m[7]), fe_add(m[8], m[9]), fe_add(m[10], m[11]));
}

fn load_fe(base: u32) -> Fe {
    var r: Fe;
    for (var i = 0u; i < 8u; i++) {
        r[i] = items[base + i];
    }
    return r;
}

fn bit_of(k: Fe, bit: u32) -> u32 {
    return (k[bit / 32u] >> (bit % 32u)) & 1u;
}

// Steps [first, end) of a * G + b * Q with one shared doubling chain
// (Shamir's trick). Step 0 forms G + Q; then odd steps double and even ones
// add the point the next bit pair selects; 513 steps in all. One call site
// of the addition keeps the shader small. The host runs the steps in short
// dispatches: lavapipe computes wrong points once one invocation has run
// about 140 of these additions (see src/backend/gpu/sigverify_probe.rs).
fn ladder_steps(a: Fe, b: Fe, q: Point, first: u32, end: u32,
                acc: ptr<function, Point>, gq: ptr<function, Point>) {
    let g = Point(GX, GY, ONE);
    for (var step = first; step < end; step++) {
        var lhs = *acc;
        var rhs = *acc;
        if (step == 0u) {
            lhs = g;
            rhs = q;
        } else if ((step & 1u) == 0u) {
            let bit = 255u - (step / 2u - 1u);
            let sel = bit_of(a, bit) | (bit_of(b, bit) << 1u);
            if (sel == 0u) {
                continue;
            }
            rhs = g;
            if (sel == 2u) {
                rhs = q;
            } else if (sel == 3u) {
                rhs = *gq;
            }
        }
        let sum = pt_add(lhs, rhs);
        if (step == 0u) {
            *gq = sum;
        } else {
            *acc = sum;
        }
    }
}

// The whole ladder in one invocation (the probes use it).
fn double_mul(a: Fe, b: Fe, q: Point) -> Point {
    var acc = infinity();
    var gq = infinity();
    ladder_steps(a, b, q, 0u, LADDER_STEPS, &acc, &gq);
    return acc;
}

fn load_pt(base: u32) -> Point {
    var p: Point;
    for (var i = 0u; i < 8u; i++) {
        p.x[i] = state[base + i];
        p.y[i] = state[base + 8u + i];
        p.z[i] = state[base + 16u + i];
    }
    return p;
}

fn store_pt(base: u32, p: Point) {
    for (var i = 0u; i < 8u; i++) {
        state[base + i] = p.x[i];
        state[base + 8u + i] = p.y[i];
        state[base + 16u + i] = p.z[i];
    }
}

// Runs ladder steps [params[1], params[2]) of every item, keeping the
// accumulator and G + Q in `state` between dispatches.
@compute @workgroup_size(WORKGROUP_SIZE)
fn ladder(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params[0]) {
        return;
    }
    let base = i * ITEM_WORDS;
    let sb = i * STATE_WORDS;
    let q = Point(load_fe(base + 18u), load_fe(base + 26u), ONE);
    var acc = infinity();
    var gq = infinity();
    if (params[1] != 0u) {
        acc = load_pt(sb);
        gq = load_pt(sb + 24u);
    }
    ladder_steps(load_fe(base + 2u), load_fe(base + 10u), q, params[1], params[2], &acc, &gq);
    store_pt(sb, acc);
    store_pt(sb + 24u, gq);
}

// The verdict from the finished ladder's point rr.
fn verify(base: u32, rr: Point) -> bool {
    if (is_zero(rr.z)) {
        return false;
    }
    let r = load_fe(base + 34u);
    if (items[base] == 0u) {
        // x(R) mod n == r without inverting Z: X == r Z, or X == (r + n) Z
        // (one product site for both candidates).
        var ok = false;
        for (var c = 0u; c < 1u + items[base + 1u]; c++) {
            ok = ok || fe_eq(rr.x, fe_mul(load_fe(base + 34u + 8u * c), rr.z));
        }
        return ok;
    }
    // BIP340 needs the parity of the affine y.
    let zi = fe_inv(rr.z);
    var xy = array<Fe, 2>(rr.x, rr.y);
    for (var c = 0u; c < 2u; c++) {
        xy[c] = fe_mul(xy[c], zi);
    }
    return (xy[1][0] & 1u) == 0u && fe_eq(xy[0], r);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn verify_sigs(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params[0]) {
        return;
    }
    verdicts[i] = select(0u, 1u, verify(i * ITEM_WORDS, load_pt(i * STATE_WORDS)));
}
