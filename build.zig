//! Builds libumbra.so (the controller Deno loads) and libumbra_preload.so (the LD_PRELOAD shim
//! of virtual-time sandboxes), small and stripped, and runs the Zig unit tests.
const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{ .default_target = .{ .cpu_arch = .x86_64, .os_tag = .linux, .abi = .gnu } });
    const optimize = b.standardOptimizeOption(.{ .preferred_optimize_mode = .ReleaseSmall });

    const controller = b.addLibrary(.{
        .name = "umbra",
        .linkage = .dynamic,
        .root_module = b.createModule(.{
            .root_source_file = b.path("shim/umbra.zig"),
            .target = target,
            .optimize = optimize,
            .strip = optimize != .Debug,
            .link_libc = true, // the tracer thread is a pthread, so Deno's signal handlers see a real thread
        }),
    });
    b.installArtifact(controller);

    const preload = b.addLibrary(.{
        .name = "umbra_preload",
        .linkage = .dynamic,
        .root_module = b.createModule(.{
            .root_source_file = b.path("shim/preload.zig"),
            .target = target,
            .optimize = optimize,
            .strip = optimize != .Debug,
            .link_libc = true, // getenv and errno of the program's own libc
        }),
    });
    b.installArtifact(preload);

    const unit_tests = b.addTest(.{ .root_module = b.createModule(.{
        .root_source_file = b.path("shim/umbra.zig"),
        .target = target,
        .optimize = .Debug,
        .link_libc = true,
    }) });
    const test_step = b.step("test", "Run the Zig unit tests");
    test_step.dependOn(&b.addRunArtifact(unit_tests).step);
}
