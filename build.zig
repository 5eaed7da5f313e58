//! Builds libumbra.so (the controller Deno loads, with umbra-init embedded) and
//! libumbra_preload.so (the LD_PRELOAD shim of virtual-time sandboxes), small and stripped, and
//! runs the Zig unit tests.
const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{ .default_target = .{ .cpu_arch = .x86_64, .os_tag = .linux, .abi = .gnu } });
    const optimize = b.standardOptimizeOption(.{ .preferred_optimize_mode = .ReleaseSmall });

    // pid 1 of every host: static, no libc, exec'd from a memfd.
    const init = b.addExecutable(.{
        .name = "umbra-init",
        .root_module = b.createModule(.{
            .root_source_file = b.path("shim/init.zig"),
            .target = b.resolveTargetQuery(.{ .cpu_arch = .x86_64, .os_tag = .linux, .abi = .none }),
            .optimize = .ReleaseSmall,
            .strip = true,
            .single_threaded = true,
        }),
    });
    // No stack size of its own in PT_GNU_STACK: Zig's start code would raise RLIMIT_STACK to it,
    // and every program inherits init's limits (they must be umbra's).
    init.stack_size = 0;
    const init_image = init.getEmittedBin();

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
    controller.root_module.addAnonymousImport("umbra_init", .{ .root_source_file = init_image });
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
    unit_tests.root_module.addAnonymousImport("umbra_init", .{ .root_source_file = init_image });
    const test_step = b.step("test", "Run the Zig unit tests");
    test_step.dependOn(&b.addRunArtifact(unit_tests).step);
}
