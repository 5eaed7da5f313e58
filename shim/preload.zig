//! libumbra_preload: the LD_PRELOAD shim of virtual-time sandboxes. It answers clock_gettime,
//! gettimeofday and time from the clock region umbra shares (descriptor in UMBRA_CLOCK_FD) with
//! no syscall and no ptrace stop; each read moves the clock on by its cost, as umbra's own reads
//! do. Without the region (a program that closed it, a foreign clock id) it makes the real
//! syscall, which umbra traces and answers.

const std = @import("std");
const linux = std.os.linux;
const clock = @import("clock.zig");

const unknown = 0;
const mapped = 1;
const unavailable = 2;

var region: ?*clock.Region = null;
var state = std.atomic.Value(u8).init(unknown);

fn shared_clock() ?*clock.Region {
    switch (state.load(.acquire)) {
        mapped => return region,
        unavailable => return null,
        else => {},
    }
    const found = map_region();
    region = found;
    state.store(if (found != null) mapped else unavailable, .release);
    return found;
}

fn map_region() ?*clock.Region {
    const text = std.c.getenv("UMBRA_CLOCK_FD") orelse return null;
    const fd = std.fmt.parseInt(i32, std.mem.span(text), 10) catch return null;
    const address = linux.mmap(null, 4096, linux.PROT.READ | linux.PROT.WRITE, .{ .TYPE = .SHARED }, fd, 0);
    if (linux.E.init(address) != .SUCCESS) return null;
    const found: *clock.Region = @ptrFromInt(address);
    if (found.magic != clock.magic) {
        _ = linux.munmap(@ptrFromInt(address), 4096);
        return null;
    }
    return found;
}

/// The virtual reading of `id`, or null for a clock that stays the kernel's (CPU time).
fn reading(id: i32) ?u64 {
    const shared = shared_clock() orelse return null;
    return switch (id) {
        0, 5, 8, 11 => shared.epoch_ns + clock.read(shared), // REALTIME, _COARSE, _ALARM, TAI
        1, 4, 6, 7, 9 => clock.read(shared), // MONOTONIC, _RAW, _COARSE, BOOTTIME, _ALARM
        else => null,
    };
}

fn fail(code: linux.E) c_int {
    std.c._errno().* = @intFromEnum(code);
    return -1;
}

fn syscall_result(rc: usize) c_int {
    const code = linux.E.init(rc);
    return if (code == .SUCCESS) 0 else fail(code);
}

export fn clock_gettime(id: i32, spec: ?*linux.timespec) c_int {
    const out = spec orelse return fail(.FAULT);
    const ns = reading(id) orelse return syscall_result(linux.syscall2(.clock_gettime, @bitCast(@as(isize, id)), @intFromPtr(out)));
    out.* = .{ .sec = @intCast(ns / std.time.ns_per_s), .nsec = @intCast(ns % std.time.ns_per_s) };
    return 0;
}

export fn gettimeofday(value: ?*linux.timeval, zone: ?*anyopaque) c_int {
    const ns = reading(0) orelse return syscall_result(linux.syscall2(.gettimeofday, @intFromPtr(value), @intFromPtr(zone)));
    if (value) |out| out.* = .{ .sec = @intCast(ns / std.time.ns_per_s), .usec = @intCast((ns % std.time.ns_per_s) / 1000) };
    if (zone) |out| @memset(@as([*]u8, @ptrCast(out))[0..8], 0);
    return 0;
}

export fn time(out: ?*i64) i64 {
    const ns = reading(0) orelse return @bitCast(linux.syscall1(.time, @intFromPtr(out)));
    const seconds: i64 = @intCast(ns / std.time.ns_per_s);
    if (out) |t| t.* = seconds;
    return seconds;
}
