//! Tracee memory access with process_vm_readv/writev: no ptrace stop needed, any thread may call.

const std = @import("std");
const linux = std.os.linux;
const sys = @import("sys.zig");

/// Reads `buffer.len` bytes at `address` of `pid`. Returns the count read, or -errno.
pub fn read(pid: sys.pid_t, address: u64, buffer: []u8) i64 {
    const local = [_]std.posix.iovec{.{ .base = buffer.ptr, .len = buffer.len }};
    const remote = [_]std.posix.iovec_const{.{ .base = @ptrFromInt(address), .len = buffer.len }};
    return result(linux.process_vm_readv(pid, &local, &remote, 0));
}

/// Writes `bytes` at `address` of `pid`. Returns the count written, or -errno.
pub fn write(pid: sys.pid_t, address: u64, bytes: []const u8) i64 {
    const local = [_]std.posix.iovec_const{.{ .base = bytes.ptr, .len = bytes.len }};
    const remote = [_]std.posix.iovec_const{.{ .base = @ptrFromInt(address), .len = bytes.len }};
    return result(linux.process_vm_writev(pid, &local, &remote, 0));
}

fn result(rc: usize) i64 {
    const code = sys.errno(rc);
    return if (code != 0) -@as(i64, code) else @intCast(rc);
}
