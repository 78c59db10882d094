// DUCO-S1 nonce search: sha1(last_hash + decimal(n)) == expected for each n
// of one piece of the range.
//
// The host splits the range into pieces in which every n has the same
// number of digits D and the same leading D - k digits ("high"), so that
// n = high * 10^k + low with low < 10^k <= 10^9 fitting a u32. It writes
// the message words that do not depend on low (prefix, high digits, 0x80
// terminator, bit length) as a template, chooses k so that low's digits
// start on a word boundary (word `lw`), and runs rounds 0..9, which read
// only the prefix. The shader prints low as k zero-padded digits; while
// high is zero, k == D and the padding adds nothing.
//
// Messages of more than 15 digits spill into a second block. Its words are
// only zeros and the bit length, identical for every n of a piece, so the
// host expands its whole schedule once and the shader runs 80 rounds on it.

// Job words, rewritten by the host for each submission (see duco.rs):
// 0..10 prefix message words W0..W9, 10..15 state a..e after round 9,
// 15..20 expected digest, 20 `a` after round 75 that the expected digest
// implies (one-block messages only), 21..27 template words W10..W15,
// 27..30 masks keeping low's k digits, 30 lw (word where low's digits
// start), 31 10^(9-k), 32 low of the piece's first n, 33 n in the piece,
// 34 n per invocation, 35 hit capacity, 36 two-block flag, 37 report-every-n
// flag (tests only), 40..120 second block's schedule W0..W79.
@group(0) @binding(0) var<storage, read> job: array<u32, 128>;

// hits[0] counts reported n; hits[1..=capacity] holds the first ones as
// offsets into the piece, in no particular order. A count above capacity
// tells the host to redo the piece in shorter parts.
@group(0) @binding(1) var<storage, read_write> hits: array<atomic<u32>>;

override WORKGROUP_SIZE: u32 = 64u;

const H0 = array<u32, 5>(0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u);

struct State {
    a: u32,
    b: u32,
    c: u32,
    d: u32,
    e: u32,
}

fn rotl(x: u32, n: u32) -> u32 {
    return (x << n) | (x >> (32u - n));
}

// One round per function so the unrolled body below stays one line a round;
// the rotation of a..e is a renaming the compiler removes.
fn step(s: State, f: u32, k: u32, w: u32) -> State {
    return State(rotl(s.a, 5u) + f + s.e + k + w, s.a, rotl(s.b, 30u), s.c, s.d);
}

fn r0(s: State, w: u32) -> State {
    return step(s, s.d ^ (s.b & (s.c ^ s.d)), 0x5a827999u, w);
}

fn r1(s: State, w: u32) -> State {
    return step(s, s.b ^ s.c ^ s.d, 0x6ed9eba1u, w);
}

fn r2(s: State, w: u32) -> State {
    return step(s, (s.b & s.c) | (s.d & (s.b | s.c)), 0x8f1bbcdcu, w);
}

fn r3(s: State, w: u32) -> State {
    return step(s, s.b ^ s.c ^ s.d, 0xca62c1d6u, w);
}

fn expand(w13: u32, w8: u32, w2: u32, w0: u32) -> u32 {
    return rotl(w13 ^ w8 ^ w2 ^ w0, 1u);
}

fn add_state(x: State, y: State) -> State {
    return State(x.a + y.a, x.b + y.b, x.c + y.c, x.d + y.d, x.e + y.e);
}

// The 9-digit zero-padded ASCII of x (< 10^9), left-aligned in three
// big-endian words (the last holds one digit).
fn nine_digits(x: u32) -> vec3<u32> {
    let v1 = x / 10u;
    let v2 = v1 / 10u;
    let v3 = v2 / 10u;
    let v4 = v3 / 10u;
    let v5 = v4 / 10u;
    let v6 = v5 / 10u;
    let v7 = v6 / 10u;
    let d0 = v7 / 10u;
    let d1 = v7 - 10u * d0;
    let d2 = v6 - 10u * v7;
    let d3 = v5 - 10u * v6;
    let d4 = v4 - 10u * v5;
    let d5 = v3 - 10u * v4;
    let d6 = v2 - 10u * v3;
    let d7 = v1 - 10u * v2;
    let d8 = x - 10u * v1;
    let ascii = 0x30303030u;
    return vec3<u32>(
        ((d0 << 24u) | (d1 << 16u) | (d2 << 8u) | d3) | ascii,
        ((d4 << 24u) | (d5 << 16u) | (d6 << 8u) | d7) | ascii,
        (d8 << 24u) | 0x30000000u,
    );
}

// Rounds 0..79 of the second block, whose schedule the host expanded.
fn second_block(h: State) -> State {
    var s = h;
    for (var t = 0u; t < 20u; t++) {
        s = r0(s, job[40u + t]);
    }
    for (var t = 20u; t < 40u; t++) {
        s = r1(s, job[40u + t]);
    }
    for (var t = 40u; t < 60u; t++) {
        s = r2(s, job[40u + t]);
    }
    for (var t = 60u; t < 80u; t++) {
        s = r3(s, job[40u + t]);
    }
    return add_state(h, s);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn duco_search(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let invocation = (group.y * groups.x + group.x) * WORKGROUP_SIZE + local;
    let count = job[33];
    let per = job[34];
    let first = invocation * per;
    if (first >= count) {
        return;
    }
    let end = min(first + per, count);

    let state10 = State(job[10], job[11], job[12], job[13], job[14]);
    let expected = State(job[15], job[16], job[17], job[18], job[19]);
    let a75 = job[20];
    let masks = vec3<u32>(job[27], job[28], job[29]);
    let lw = job[30];
    let scale = job[31];
    let low0 = job[32];
    let capacity = job[35];
    let two_block = job[36] != 0u;
    let report_all = job[37] != 0u;
    let h0 = State(H0[0], H0[1], H0[2], H0[3], H0[4]);
    // Loaded once: the compiler cannot tell that the hit stores leave them alone.
    let p0 = job[0];
    let p1 = job[1];
    let p2 = job[2];
    let p3 = job[3];
    let p4 = job[4];
    let p5 = job[5];
    let p6 = job[6];
    let p7 = job[7];
    let p8 = job[8];
    let p9 = job[9];
    let tpl10 = job[21];
    let tpl11 = job[22];
    let tpl12 = job[23];
    let tpl13 = job[24];
    let tpl14 = job[25];
    let tpl15 = job[26];

    for (var i = first; i < end; i++) {
        let low = nine_digits((low0 + i) * scale) & masks;
        var t10 = tpl10;
        var t11 = tpl11;
        var t12 = tpl12;
        var t13 = tpl13;
        var t14 = tpl14;
        var t15 = tpl15;
        // The template is zero where low's digits go.
        switch lw {
            case 10u: { t10 |= low.x; t11 |= low.y; t12 |= low.z; }
            case 11u: { t11 |= low.x; t12 |= low.y; t13 |= low.z; }
            case 12u: { t12 |= low.x; t13 |= low.y; t14 |= low.z; }
            default: { t13 |= low.x; t14 |= low.y; t15 |= low.z; }
        }
        var w0 = p0;
        var w1 = p1;
        var w2 = p2;
        var w3 = p3;
        var w4 = p4;
        var w5 = p5;
        var w6 = p6;
        var w7 = p7;
        var w8 = p8;
        var w9 = p9;
        var w10 = t10;
        var w11 = t11;
        var w12 = t12;
        var w13 = t13;
        var w14 = t14;
        var w15 = t15;

        var s = state10;
        s = r0(s, w10);
        s = r0(s, w11);
        s = r0(s, w12);
        s = r0(s, w13);
        s = r0(s, w14);
        s = r0(s, w15);
        w0 = expand(w13, w8, w2, w0); s = r0(s, w0);
        w1 = expand(w14, w9, w3, w1); s = r0(s, w1);
        w2 = expand(w15, w10, w4, w2); s = r0(s, w2);
        w3 = expand(w0, w11, w5, w3); s = r0(s, w3);
        w4 = expand(w1, w12, w6, w4); s = r1(s, w4);
        w5 = expand(w2, w13, w7, w5); s = r1(s, w5);
        w6 = expand(w3, w14, w8, w6); s = r1(s, w6);
        w7 = expand(w4, w15, w9, w7); s = r1(s, w7);
        w8 = expand(w5, w0, w10, w8); s = r1(s, w8);
        w9 = expand(w6, w1, w11, w9); s = r1(s, w9);
        w10 = expand(w7, w2, w12, w10); s = r1(s, w10);
        w11 = expand(w8, w3, w13, w11); s = r1(s, w11);
        w12 = expand(w9, w4, w14, w12); s = r1(s, w12);
        w13 = expand(w10, w5, w15, w13); s = r1(s, w13);
        w14 = expand(w11, w6, w0, w14); s = r1(s, w14);
        w15 = expand(w12, w7, w1, w15); s = r1(s, w15);
        w0 = expand(w13, w8, w2, w0); s = r1(s, w0);
        w1 = expand(w14, w9, w3, w1); s = r1(s, w1);
        w2 = expand(w15, w10, w4, w2); s = r1(s, w2);
        w3 = expand(w0, w11, w5, w3); s = r1(s, w3);
        w4 = expand(w1, w12, w6, w4); s = r1(s, w4);
        w5 = expand(w2, w13, w7, w5); s = r1(s, w5);
        w6 = expand(w3, w14, w8, w6); s = r1(s, w6);
        w7 = expand(w4, w15, w9, w7); s = r1(s, w7);
        w8 = expand(w5, w0, w10, w8); s = r2(s, w8);
        w9 = expand(w6, w1, w11, w9); s = r2(s, w9);
        w10 = expand(w7, w2, w12, w10); s = r2(s, w10);
        w11 = expand(w8, w3, w13, w11); s = r2(s, w11);
        w12 = expand(w9, w4, w14, w12); s = r2(s, w12);
        w13 = expand(w10, w5, w15, w13); s = r2(s, w13);
        w14 = expand(w11, w6, w0, w14); s = r2(s, w14);
        w15 = expand(w12, w7, w1, w15); s = r2(s, w15);
        w0 = expand(w13, w8, w2, w0); s = r2(s, w0);
        w1 = expand(w14, w9, w3, w1); s = r2(s, w1);
        w2 = expand(w15, w10, w4, w2); s = r2(s, w2);
        w3 = expand(w0, w11, w5, w3); s = r2(s, w3);
        w4 = expand(w1, w12, w6, w4); s = r2(s, w4);
        w5 = expand(w2, w13, w7, w5); s = r2(s, w5);
        w6 = expand(w3, w14, w8, w6); s = r2(s, w6);
        w7 = expand(w4, w15, w9, w7); s = r2(s, w7);
        w8 = expand(w5, w0, w10, w8); s = r2(s, w8);
        w9 = expand(w6, w1, w11, w9); s = r2(s, w9);
        w10 = expand(w7, w2, w12, w10); s = r2(s, w10);
        w11 = expand(w8, w3, w13, w11); s = r2(s, w11);
        w12 = expand(w9, w4, w14, w12); s = r3(s, w12);
        w13 = expand(w10, w5, w15, w13); s = r3(s, w13);
        w14 = expand(w11, w6, w0, w14); s = r3(s, w14);
        w15 = expand(w12, w7, w1, w15); s = r3(s, w15);
        w0 = expand(w13, w8, w2, w0); s = r3(s, w0);
        w1 = expand(w14, w9, w3, w1); s = r3(s, w1);
        w2 = expand(w15, w10, w4, w2); s = r3(s, w2);
        w3 = expand(w0, w11, w5, w3); s = r3(s, w3);
        w4 = expand(w1, w12, w6, w4); s = r3(s, w4);
        w5 = expand(w2, w13, w7, w5); s = r3(s, w5);
        w6 = expand(w3, w14, w8, w6); s = r3(s, w6);
        w7 = expand(w4, w15, w9, w7); s = r3(s, w7);
        w8 = expand(w5, w0, w10, w8); s = r3(s, w8);
        w9 = expand(w6, w1, w11, w9); s = r3(s, w9);
        w10 = expand(w7, w2, w12, w10); s = r3(s, w10);
        w11 = expand(w8, w3, w13, w11); s = r3(s, w11);
        // A one-block digest's last word is fixed by `a` here: most n stop.
        if (!two_block && !report_all && s.a != a75) {
            continue;
        }
        w12 = expand(w9, w4, w14, w12); s = r3(s, w12);
        w13 = expand(w10, w5, w15, w13); s = r3(s, w13);
        w14 = expand(w11, w6, w0, w14); s = r3(s, w14);
        w15 = expand(w12, w7, w1, w15); s = r3(s, w15);
        var digest = add_state(h0, s);
        if (two_block) {
            digest = second_block(digest);
        }
        let same = digest.a == expected.a && digest.b == expected.b && digest.c == expected.c
            && digest.d == expected.d && digest.e == expected.e;
        if (same || report_all) {
            let slot = atomicAdd(&hits[0], 1u);
            if (slot < capacity) {
                atomicStore(&hits[slot + 1u], i);
            }
        }
    }
}
