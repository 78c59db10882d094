//! Generates the unrolled WGSL shaders of the GPU backend (see shaders/codegen.rs).

#[path = "shaders/codegen.rs"]
mod codegen;

fn main() {
    println!("cargo::rerun-if-changed=shaders");
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    codegen::write_all(std::path::Path::new("shaders"), std::path::Path::new(&out))
        .expect("expanding the WGSL templates in shaders/");
}
