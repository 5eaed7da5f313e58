//! The sandbox's virtual clock in shared memory: umbra's policy moves it, and the LD_PRELOAD shim
//! in every dynamically linked program reads it without a syscall. A memfd, mapped by both.

const std = @import("std");
const linux = std.os.linux;
const sys = @import("sys.zig");

/// The descriptor the region has in every sandboxed program (the shim finds it in UMBRA_CLOCK_FD).
pub const program_fd: i32 = 1023;
pub const magic: u64 = 0x756d6272615f636b; // "umbra_ck"

/// The region's layout; shim/preload.zig reads the same.
pub const Region = extern struct {
    magic: u64,
    /// ns since the sandbox started (CLOCK_MONOTONIC); only ever grows.
    now_ns: std.atomic.Value(u64),
    /// CLOCK_REALTIME at the start, ns since the Unix epoch.
    epoch_ns: u64,
    /// Virtual time one clock read costs.
    read_cost_ns: u64,
};

/// Creates the memfd and maps it. Returns the fd (kept open for spawns) and the mapping.
pub fn create(epoch_ns: u64, read_cost_ns: u64) !struct { fd: i32, region: *Region } {
    const fd_rc = linux.memfd_create("umbra-clock", linux.MFD.CLOEXEC);
    if (sys.failed(fd_rc)) return error.MemfdFailed;
    const fd: i32 = @intCast(fd_rc);
    if (sys.failed(linux.ftruncate(fd, 4096))) return error.TruncateFailed;
    const address = linux.mmap(null, 4096, linux.PROT.READ | linux.PROT.WRITE, .{ .TYPE = .SHARED }, fd, 0);
    if (sys.failed(address)) return error.MapFailed;
    const region: *Region = @ptrFromInt(address);
    region.* = .{ .magic = magic, .now_ns = .init(0), .epoch_ns = epoch_ns, .read_cost_ns = read_cost_ns };
    return .{ .fd = fd, .region = region };
}

/// A clock read: the time, then the clock moves on by the read cost.
pub fn read(region: *Region) u64 {
    return region.now_ns.fetchAdd(region.read_cost_ns, .seq_cst);
}

/// Moves the clock to `time`, never back.
pub fn advance_to(region: *Region, time: u64) void {
    _ = region.now_ns.fetchMax(time, .seq_cst);
}
