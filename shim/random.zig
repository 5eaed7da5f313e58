//! Seeded randomness of a host's /dev/urandom and /dev/random: each host's init binds one FIFO
//! over both in its mount namespace, and a feeder thread of umbra's keeps it full with the
//! host's stream. The stream is splitmix64 from a key the policy derives (src/kernel/random.ts,
//! which generates the same bytes for its own calls): words in order, little-endian.

const std = @import("std");
const linux = std.os.linux;
const sys = @import("sys.zig");

/// One splitmix64 step (Steele, Lea, Flood 2014; the reference constants).
pub fn next(state: *u64) u64 {
    state.* +%= 0x9e3779b97f4a7c15;
    var z = state.*;
    z = (z ^ (z >> 30)) *% 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) *% 0x94d049bb133111eb;
    return z ^ (z >> 31);
}

/// Bytes the feeder writes at once (a non-blocking write to a pipe may take part of them; the
/// stream goes on from the byte after the last one taken).
const chunk_size = 4096;
/// The pipe's capacity asked for: readers of up to this many bytes get all they ask for while
/// the feeder keeps up.
pub const pipe_size = 1 << 20;

const gamma: u64 = 0x9e3779b97f4a7c15;

/// Stream bytes from byte `position` on into `out`. splitmix64's state is a counter (key plus
/// n times the gamma), so any position is reached at once.
pub fn stream_bytes(key: u64, position: u64, out: []u8) void {
    var state = key +% (position / 8) *% gamma;
    var skip: usize = @intCast(position % 8);
    var index: usize = 0;
    while (index < out.len) {
        var word: [8]u8 = undefined;
        std.mem.writeInt(u64, &word, next(&state), .little);
        const take = @min(8 - skip, out.len - index);
        @memcpy(out[index..][0..take], word[skip..][0..take]);
        index += take;
        skip = 0;
    }
}

const Entry = struct {
    fd: i32 = -1,
    key: u64 = 0,
    /// Stream bytes written so far.
    position: u64 = 0,
};

pub fn Feeder(comptime capacity: usize) type {
    return struct {
        const Self = @This();
        mutex: std.Thread.Mutex = .{},
        entries: [capacity]Entry = .{Entry{}} ** capacity,
        /// Indices of `entries` in use, in the order they came.
        active: [capacity]u16 = undefined,
        active_count: usize = 0,
        /// An eventfd: a new host, or shutdown.
        wake_fd: i32 = -1,
        shutdown: std.atomic.Value(bool) = .init(false),
        thread: ?std.Thread = null,

        pub fn start(feeder: *Self) !void {
            const rc = linux.eventfd(0, linux.EFD.CLOEXEC | linux.EFD.NONBLOCK);
            if (sys.failed(rc)) return error.EventfdFailed;
            feeder.wake_fd = @intCast(rc);
            feeder.thread = try std.Thread.spawn(.{ .stack_size = 256 * 1024 }, run, .{feeder});
        }

        /// Feeds `fd` (a FIFO's end, non-blocking) with the stream of `key` from now on.
        pub fn add(feeder: *Self, index: usize, fd: i32, key: u64) void {
            feeder.mutex.lock();
            feeder.entries[index] = .{ .fd = fd, .key = key };
            feeder.active[feeder.active_count] = @intCast(index);
            feeder.active_count += 1;
            feeder.mutex.unlock();
            feeder.wake();
        }

        fn wake(feeder: *Self) void {
            const one: u64 = 1;
            _ = linux.write(feeder.wake_fd, std.mem.asBytes(&one), 8);
        }

        pub fn stop(feeder: *Self) void {
            if (feeder.thread) |thread| {
                feeder.shutdown.store(true, .seq_cst);
                feeder.wake();
                thread.join();
                feeder.thread = null;
            }
            for (feeder.entries[0..]) |*entry| {
                if (entry.fd >= 0) _ = linux.close(entry.fd);
                entry.fd = -1;
            }
            if (feeder.wake_fd >= 0) _ = linux.close(feeder.wake_fd);
            feeder.wake_fd = -1;
        }

        fn run(feeder: *Self) void {
            const all: u64 = std.math.maxInt(u64);
            _ = sys.rt_sigprocmask(sys.SIG_BLOCK, &all, null);
            var fds: [capacity + 1]linux.pollfd = undefined;
            var indices: [capacity]u16 = undefined;
            var scratch: [chunk_size]u8 = undefined;
            while (!feeder.shutdown.load(.seq_cst)) {
                feeder.mutex.lock();
                const count = feeder.active_count;
                @memcpy(indices[0..count], feeder.active[0..count]);
                feeder.mutex.unlock();
                fds[0] = .{ .fd = feeder.wake_fd, .events = linux.POLL.IN, .revents = 0 };
                for (indices[0..count], 1..) |index, i| {
                    fds[i] = .{ .fd = feeder.entries[index].fd, .events = linux.POLL.OUT, .revents = 0 };
                }
                const ready = linux.poll(&fds, @intCast(count + 1), -1);
                if (sys.failed(ready)) continue;
                if (fds[0].revents != 0) {
                    var value: u64 = 0;
                    _ = linux.read(feeder.wake_fd, std.mem.asBytes(&value), 8);
                }
                for (indices[0..count], 1..) |index, i| {
                    if (fds[i].revents & linux.POLL.OUT != 0) top_up(&feeder.entries[index], &scratch);
                }
            }
        }
    };
}

/// Writes the stream on until the pipe is full.
fn top_up(entry: *Entry, scratch: *[chunk_size]u8) void {
    while (true) {
        stream_bytes(entry.key, entry.position, scratch);
        const rc = linux.write(entry.fd, scratch, chunk_size);
        if (sys.failed(rc) or rc == 0) return; // EAGAIN: full
        entry.position += rc;
    }
}

test "splitmix64 gives the reference sequence" {
    // From the reference implementation, seeded with 1234567.
    var state: u64 = 1234567;
    try std.testing.expectEqual(@as(u64, 6457827717110365317), next(&state));
    try std.testing.expectEqual(@as(u64, 3203168211198807973), next(&state));
}

test "the stream reads the same from any position" {
    var whole: [40]u8 = undefined;
    stream_bytes(42, 0, &whole);
    var part: [21]u8 = undefined;
    stream_bytes(42, 13, &part);
    try std.testing.expectEqualSlices(u8, whole[13..34], &part);
    var state: u64 = 42;
    try std.testing.expectEqual(next(&state), std.mem.readInt(u64, whole[0..8], .little));
}
