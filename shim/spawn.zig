//! Starting a program under trace: the spawn spec, and the child's set-up between fork and execve.
//!
//! Spec format (made by src/native/spawn_spec.ts): u32 argc, u32 envc, u32 flags (bit 0:
//! `flag_hold_at_exec`), then NUL-terminated
//! strings: path, cwd, stdin, stdout, stderr, argv[argc], envp[envc]. An empty stdio path means
//! "inherit umbra's"; stdin opens read-only, stdout/stderr are created or truncated.

const std = @import("std");
const assert = std.debug.assert;
const linux = std.os.linux;
const sys = @import("sys.zig");
const seccomp = @import("seccomp.zig");
const clock = @import("clock.zig");

/// Room for whatever argv and env Linux can take: execve refuses more than 3/4 of the 8 MiB
/// _STK_LIM of strings and pointers together (the most, reached with a stack rlimit of 24 MiB or
/// more), so no larger request can ever run; the rest is room for the five paths. execve decides
/// below. Mirrored in src/native/spawn_spec.ts.
pub const spec_size_max = 6 * 1024 * 1024 + 64 * 1024;
/// argc + envc at most: each string costs Linux at least its 8-byte pointer out of those 6 MiB.
pub const strings_count_max = 6 * 1024 * 1024 / 8;

/// A spec copied out of the policy's memory, waiting for the tracer thread.
pub const Slot = struct {
    request_id: i32 = 0,
    used: bool = false,
    len: u32 = 0,
    bytes: [spec_size_max]u8 = undefined,
};

pub const Prepared = struct {
    path: [*:0]const u8,
    cwd: [*:0]const u8,
    stdio: [3][*:0]const u8,
    argv: [*:null]const ?[*:0]const u8,
    envp: [*:null]const ?[*:0]const u8,
    /// Hold the program at its first exec stop for the policy (a debugger) instead of resuming.
    hold_at_exec: bool,
};

/// Spec flag: hold the program at its first exec stop.
pub const flag_hold_at_exec: u32 = 1;
const header_size = 12;

pub const SpecError = error{ SpecTruncated, SpecTooManyStrings };

/// Points `pointers` into the slot's bytes. Needs the bytes to stay put until the fork.
pub fn prepare(slot: *Slot, pointers: *[strings_count_max + 2]?[*:0]const u8) SpecError!Prepared {
    const bytes = slot.bytes[0..slot.len];
    if (bytes.len < header_size) return error.SpecTruncated;
    const argc = std.mem.readInt(u32, bytes[0..4], .little);
    const envc = std.mem.readInt(u32, bytes[4..8], .little);
    const flags = std.mem.readInt(u32, bytes[8..12], .little);
    if (@as(u64, argc) + envc > strings_count_max) return error.SpecTooManyStrings;

    var cursor: usize = header_size;
    var fixed: [5][*:0]const u8 = undefined;
    for (&fixed) |*string| string.* = try next_string(bytes, &cursor);
    var index: usize = 0;
    for (0..argc) |_| {
        pointers[index] = try next_string(bytes, &cursor);
        index += 1;
    }
    pointers[index] = null;
    index += 1;
    const envp_start = index;
    for (0..envc) |_| {
        pointers[index] = try next_string(bytes, &cursor);
        index += 1;
    }
    pointers[index] = null;
    if (cursor != bytes.len) return error.SpecTruncated;
    return .{
        .path = fixed[0],
        .cwd = fixed[1],
        .stdio = .{ fixed[2], fixed[3], fixed[4] },
        .argv = @ptrCast(&pointers[0]),
        .envp = @ptrCast(&pointers[envp_start]),
        .hold_at_exec = flags & flag_hold_at_exec != 0,
    };
}

fn next_string(bytes: []u8, cursor: *usize) SpecError![*:0]const u8 {
    const end = std.mem.indexOfScalarPos(u8, bytes, cursor.*, 0) orelse return error.SpecTruncated;
    const string: [*:0]const u8 = @ptrCast(&bytes[cursor.*]);
    cursor.* = end + 1;
    return string;
}

const PR_SET_PDEATHSIG = 1;
const PR_SET_NO_NEW_PRIVS = 38;
const SECCOMP_SET_MODE_FILTER = 1;

/// Forks the program's process. In the child, never returns. In the parent (the tracer thread),
/// returns the child's pid; the child stops itself with SIGSTOP once it is traced.
pub fn start(prepared: *const Prepared, filter: *const seccomp.SockFprog, tracer_tgid: sys.pid_t, clock_fd: i32) usize {
    // Exit signal 0: umbra's process never receives SIGCHLD for a sandboxed process. Children
    // made with CLONE_PARENT inherit it; the tracer reaps with __WALL.
    const rc = linux.syscall5(.clone, 0, 0, 0, 0, 0);
    if (rc != 0) return rc; // parent: the pid, or an error
    child(prepared, filter, tracer_tgid, clock_fd);
}

/// Runs in the forked child of a multi-threaded process: raw syscalls only, no allocation.
/// Any failure exits with the errno as status; the policy knows exec never happened.
fn child(prepared: *const Prepared, filter: *const seccomp.SockFprog, tracer_tgid: sys.pid_t, clock_fd: i32) noreturn {
    check(sys.prctl(PR_SET_PDEATHSIG, sys.SIGKILL));
    // The tracer may have died between fork and PDEATHSIG.
    if (sys.getppid() != tracer_tgid) sys.exit_group(1);
    check(sys.ptrace(sys.PTRACE.TRACEME, 0, 0, 0));

    // Deno ignores SIGPIPE and installs handlers; ignored dispositions would survive execve.
    const default_action: sys.KernelSigaction = .{ .handler = 0, .flags = 0, .restorer = 0, .mask = 0 };
    var signal: u32 = 1;
    while (signal <= 64) : (signal += 1) {
        if (signal == sys.SIGKILL or signal == sys.SIGSTOP) continue;
        _ = sys.rt_sigaction(signal, &default_action);
    }
    const empty: u64 = 0;
    check(sys.rt_sigprocmask(sys.SIG_SETMASK, &empty, null));

    // Wait here until the tracer has set its options (EXITKILL, TRACESECCOMP, ...).
    check(sys.kill(sys.getpid(), sys.SIGSTOP));

    for (prepared.stdio, 0..) |path, fd| {
        if (path[0] == 0) continue;
        const flags: linux.O = if (fd == 0) .{ .ACCMODE = .RDONLY } else .{ .ACCMODE = .WRONLY, .CREAT = true, .TRUNC = true };
        const opened = linux.open(path, flags, 0o644);
        check(opened);
        if (opened != fd) {
            check(linux.dup2(@intCast(opened), @intCast(fd)));
            _ = linux.close(@intCast(opened));
        }
    }
    // The virtual clock's region (virtual time) goes to its fixed descriptor; nothing else of
    // Deno's leaks into the sandbox.
    if (clock_fd >= 0) {
        check(linux.dup2(clock_fd, clock.program_fd));
        _ = linux.syscall3(.close_range, 3, @intCast(clock.program_fd - 1), 0);
    } else {
        _ = linux.syscall3(.close_range, 3, std.math.maxInt(u32), 0);
    }
    if (prepared.cwd[0] != 0) check(linux.chdir(prepared.cwd));
    check(sys.prctl(PR_SET_NO_NEW_PRIVS, 1));
    check(linux.syscall3(.seccomp, SECCOMP_SET_MODE_FILTER, 0, @intFromPtr(filter)));
    const rc = linux.execve(prepared.path, prepared.argv, prepared.envp);
    sys.exit_group(sys.errno(rc));
}

fn check(rc: usize) void {
    const code = sys.errno(rc);
    if (code != 0) sys.exit_group(code);
}
