// Litecoin proof of work, scrypt(header, header, N=1024, r=1, p=1, 32 bytes),
// as a nonce search: one invocation hashes one nonce and reports it when the
// hash, read as a little-endian 256-bit integer, is <= the target.
//
// The HMAC key is the whole header, nonce included, so the key hash and both
// pad states change with every nonce. What the host can do once per job is
// the SHA-256 midstate of header bytes 0..64 (the start of that key hash)
// and the big-endian message words.

// @include sha256_ops.wgsl

// @generate compress

const H0 = array<u32, 8>(
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
);

// Job words, written by the host before each submission (see gpu/scrypt.rs):
// 0..19 header words 0..18 as SHA-256 reads them (big-endian), 19..27
// SHA-256 state after header bytes 0..64, 27..35 the target as little-endian
// words (27 least significant), 35 first nonce, 36 nonce count, 37 hit
// capacity, 38 lanes the scratchpad holds.
@group(0) @binding(0) var<storage, read> job: array<u32, 40>;

// hits[0] counts hits; hits[1..=capacity] holds the first ones found, in no
// particular order. A count above capacity tells the host to redo the piece.
@group(0) @binding(1) var<storage, read_write> hits: array<atomic<u32>>;

// The ROMix tables of every lane, laid out [step][lane][8 x vec4]: one
// lane's 128-byte block stays contiguous for the random reads of the second
// loop, while neighbouring lanes write neighbouring blocks in the first.
@group(0) @binding(2) var<storage, read_write> pad: array<vec4<u32>>;

override WORKGROUP_SIZE: u32 = 64u;

// One 64-byte Salsa20 block in "diagonal" order, so that the four
// quarter-rounds of a column or row round are one vec4 operation each:
// a = (x0, x5, x10, x15), b = (x4, x9, x14, x3),
// c = (x8, x13, x2, x7),  d = (x12, x1, x6, x11).
// Every block, in registers and in the scratchpad, stays in this order;
// only the PBKDF2 steps at either end see the natural word order.
struct Block {
    a: vec4<u32>,
    b: vec4<u32>,
    c: vec4<u32>,
    d: vec4<u32>,
}

fn rotl(v: vec4<u32>, n: u32) -> vec4<u32> {
    return (v << vec4<u32>(n)) | (v >> vec4<u32>(32u - n));
}

fn xor_block(p: Block, q: Block) -> Block {
    return Block(p.a ^ q.a, p.b ^ q.b, p.c ^ q.c, p.d ^ q.d);
}

fn salsa20_8(input: Block) -> Block {
    var a = input.a;
    var b = input.b;
    var c = input.c;
    var d = input.d;
    for (var i = 0u; i < 4u; i++) {
        // Column round.
        b ^= rotl(a + d, 7u);
        c ^= rotl(b + a, 9u);
        d ^= rotl(c + b, 13u);
        a ^= rotl(d + c, 18u);
        // Row round: the same shape once b, c, d are rotated to line up.
        var rb = d.yzwx;
        var rc = c.zwxy;
        var rd = b.wxyz;
        rb ^= rotl(a + rd, 7u);
        rc ^= rotl(rb + a, 9u);
        rd ^= rotl(rc + rb, 13u);
        a ^= rotl(rd + rc, 18u);
        b = rd.yzwx;
        c = rc.zwxy;
        d = rb.wxyz;
    }
    return Block(input.a + a, input.b + b, input.c + c, input.d + d);
}

// Natural word order (16 little-endian words) to diagonal order.
fn to_block(w: array<u32, 16>) -> Block {
    return Block(
        vec4<u32>(w[0], w[5], w[10], w[15]),
        vec4<u32>(w[4], w[9], w[14], w[3]),
        vec4<u32>(w[8], w[13], w[2], w[7]),
        vec4<u32>(w[12], w[1], w[6], w[11]),
    );
}

// Diagonal order back to the big-endian message words SHA-256 reads.
fn to_message(p: Block) -> array<u32, 16> {
    let w = array<u32, 16>(
        p.a.x, p.d.y, p.c.z, p.b.w, p.b.x, p.a.y, p.d.z, p.c.w,
        p.c.x, p.b.y, p.a.z, p.d.w, p.d.x, p.c.y, p.b.z, p.a.w,
    );
    var m: array<u32, 16>;
    for (var i = 0u; i < 16u; i++) {
        m[i] = swap_bytes(w[i]);
    }
    return m;
}

// The outer HMAC hash: one block holding a 32-byte inner digest after the
// 64-byte pad block.
fn hmac_outer(ostate: array<u32, 8>, d: array<u32, 8>) -> array<u32, 8> {
    return compress(ostate, array<u32, 16>(
        d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7],
        0x80000000u, 0u, 0u, 0u, 0u, 0u, 0u, 768u,
    ));
}

// PBKDF2 block `index` of HMAC(key, header || index): its inner hash has
// already absorbed header bytes 0..64 (`ihead`); `tail` holds words 16..19.
fn pbkdf2_header_block(
    ihead: array<u32, 8>,
    ostate: array<u32, 8>,
    tail: vec4<u32>,
    index: u32,
) -> array<u32, 16> {
    // 64 pad bytes + 80 header bytes + 4 index bytes = 1184 bits.
    let inner = compress(ihead, array<u32, 16>(
        tail.x, tail.y, tail.z, tail.w, index, 0x80000000u,
        0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 1184u,
    ));
    let t = hmac_outer(ostate, inner);
    // Half a Salsa20 block: the digest's bytes as little-endian words.
    var w: array<u32, 16>;
    for (var i = 0u; i < 8u; i++) {
        w[i] = swap_bytes(t[i]);
    }
    return w;
}

fn join(lo: array<u32, 16>, hi: array<u32, 16>) -> array<u32, 16> {
    return array<u32, 16>(
        lo[0], lo[1], lo[2], lo[3], lo[4], lo[5], lo[6], lo[7],
        hi[0], hi[1], hi[2], hi[3], hi[4], hi[5], hi[6], hi[7],
    );
}

fn store_row(at: u32, x0: Block, x1: Block) {
    pad[at] = x0.a;
    pad[at + 1u] = x0.b;
    pad[at + 2u] = x0.c;
    pad[at + 3u] = x0.d;
    pad[at + 4u] = x1.a;
    pad[at + 5u] = x1.b;
    pad[at + 6u] = x1.c;
    pad[at + 7u] = x1.d;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn scrypt_search(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let lane = (group.y * groups.x + group.x) * WORKGROUP_SIZE + local;
    if (lane >= job[36]) {
        return;
    }
    let nonce = job[35] + lane;
    let stride = job[38];
    // The header stores the nonce little-endian; SHA-256 reads big-endian.
    let tail = vec4<u32>(job[16], job[17], job[18], swap_bytes(nonce));
    var head: array<u32, 16>;
    for (var i = 0u; i < 16u; i++) {
        head[i] = job[i];
    }
    var mid: array<u32, 8>;
    for (var i = 0u; i < 8u; i++) {
        mid[i] = job[19u + i];
    }

    // The 80-byte key is longer than a block, so HMAC keys with its hash.
    let key = compress(mid, array<u32, 16>(
        tail.x, tail.y, tail.z, tail.w, 0x80000000u,
        0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 640u,
    ));
    var ipad: array<u32, 16>;
    var opad: array<u32, 16>;
    for (var i = 0u; i < 16u; i++) {
        var k = 0u;
        if (i < 8u) {
            k = key[i];
        }
        ipad[i] = k ^ 0x36363636u;
        opad[i] = k ^ 0x5c5c5c5cu;
    }
    let istate = compress(H0, ipad);
    let ostate = compress(H0, opad);

    // B = PBKDF2(header, header, 1, 128): four HMAC blocks sharing the
    // inner hash of header bytes 0..64.
    let ihead = compress(istate, head);
    var x0 = to_block(join(
        pbkdf2_header_block(ihead, ostate, tail, 1u),
        pbkdf2_header_block(ihead, ostate, tail, 2u),
    ));
    var x1 = to_block(join(
        pbkdf2_header_block(ihead, ostate, tail, 3u),
        pbkdf2_header_block(ihead, ostate, tail, 4u),
    ));

    // ROMix, with BlockMix for r = 1 written out: Y0 = H(X1 ^ X0), Y1 = H(Y0 ^ X1).
    for (var j = 0u; j < 1024u; j++) {
        store_row((j * stride + lane) * 8u, x0, x1);
        let y0 = salsa20_8(xor_block(x0, x1));
        x1 = salsa20_8(xor_block(y0, x1));
        x0 = y0;
    }
    for (var i = 0u; i < 1024u; i++) {
        // Integerify: the first word of the last block, which is x1.a.x.
        let at = ((x1.a.x & 1023u) * stride + lane) * 8u;
        x0 = xor_block(x0, Block(pad[at], pad[at + 1u], pad[at + 2u], pad[at + 3u]));
        x1 = xor_block(x1, Block(pad[at + 4u], pad[at + 5u], pad[at + 6u], pad[at + 7u]));
        let y0 = salsa20_8(xor_block(x0, x1));
        x1 = salsa20_8(xor_block(y0, x1));
        x0 = y0;
    }

    // PBKDF2(header, B', 1, 32): 64 pad bytes + 128 + 4 index bytes = 1568 bits.
    var s = compress(istate, to_message(x0));
    s = compress(s, to_message(x1));
    s = compress(s, array<u32, 16>(
        1u, 0x80000000u, 0u, 0u, 0u, 0u, 0u, 0u,
        0u, 0u, 0u, 0u, 0u, 0u, 0u, 1568u,
    ));
    let digest = hmac_outer(ostate, s);

    // hash <= target as little-endian 256-bit integers, most significant word first.
    var met = true;
    for (var k = 7i; k >= 0i; k--) {
        let h = swap_bytes(digest[k]);
        let t = job[27 + k];
        if (h != t) {
            met = h < t;
            break;
        }
    }
    if (met) {
        let slot = atomicAdd(&hits[0], 1u);
        if (slot < job[37]) {
            atomicStore(&hits[slot + 1u], nonce);
        }
    }
}
