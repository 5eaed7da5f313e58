//! The memory the controller shares with every host's init: the seccomp filter programs install
//! before their execve, and the spawn slots that carry a request's spec from the policy to the
//! init that forks the program. One memfd, mapped by the controller and by each init (which
//! inherits it at `init_fd`; init writes only a failed fork's errno).

const std = @import("std");
const assert = std.debug.assert;
const linux = std.os.linux;
const seccomp = @import("seccomp.zig");
const sys = @import("sys.zig");

pub const slot_count = 8;
/// The largest spec (src/native/spawn_spec.ts SPEC_SIZE_MAX): Linux's own execve limit for argv
/// and envp is at most 6 MiB (3/4 of the 8 MiB stack limit it caps at), so any program Linux can
/// start fits, with its paths. Pages are taken only as a slot is written.
pub const spec_size_max = 6 * 1024 * 1024 + 64 * 1024;

/// A spawn request in flight. The controller fills it and writes its index to the host's init,
/// which copies the spec out before it forks; the tracer frees it at init's fork event. Only
/// `fork_errno` is init's to write, and the tracer trusts nothing else it finds here.
pub const Slot = extern struct {
    request_id: i32,
    /// Spec bytes used.
    len: u32,
    /// Set by init when its fork failed: the errno.
    fork_errno: i32,
    reserved: u32,
    bytes: [spec_size_max]u8,
};

pub const Region = extern struct {
    filter_len: u32,
    reserved: u32,
    filter: [seccomp.instruction_count_max]seccomp.SockFilter,
    slots: [slot_count]Slot,

    /// The filter as a program for seccomp(2), pointing into this mapping.
    pub fn program(region: *const Region) seccomp.SockFprog {
        assert(region.filter_len > 0 and region.filter_len <= seccomp.instruction_count_max);
        return .{ .len = @intCast(region.filter_len), .filter = &region.filter };
    }
};

pub const region_size = std.mem.alignForward(usize, @sizeOf(Region), 4096);

/// The descriptor the region has in each init.
pub const init_fd: i32 = 5;

/// Creates the memfd (pages are taken only as slots are written) and maps it read-write.
pub fn create() !struct { fd: i32, region: *Region } {
    const fd_rc = linux.memfd_create("umbra-shared", linux.MFD.CLOEXEC);
    if (sys.failed(fd_rc)) return error.MemfdFailed;
    const fd: i32 = @intCast(fd_rc);
    errdefer _ = linux.close(fd);
    if (sys.failed(linux.ftruncate(fd, region_size))) return error.TruncateFailed;
    const address = linux.mmap(null, region_size, linux.PROT.READ | linux.PROT.WRITE, .{ .TYPE = .SHARED }, fd, 0);
    if (sys.failed(address)) return error.MapFailed;
    return .{ .fd = fd, .region = @ptrFromInt(address) };
}

/// Gives the pages of slot `index`'s spec (`len` bytes) back after a large request (the memfd
/// keeps them otherwise).
pub fn release_pages(fd: i32, index: u8, len: u32) void {
    const small = 64 * 1024;
    if (len <= small) return;
    const bytes = @offsetOf(Region, "slots") + @as(usize, index) * @sizeOf(Slot) + @offsetOf(Slot, "bytes");
    const start = std.mem.alignForward(usize, bytes + small, 4096);
    const end = std.mem.alignForward(usize, bytes + len, 4096);
    if (end <= start) return;
    const FALLOC_FL_KEEP_SIZE = 1;
    const FALLOC_FL_PUNCH_HOLE = 2;
    _ = linux.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, @intCast(start), @intCast(end - start));
}
