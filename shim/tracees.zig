//! The tracer thread's table of traced threads: what stop each is in and its registers.
//! Owned by the tracer thread alone; fixed capacity, allocated once.

const std = @import("std");
const assert = std.debug.assert;
const sys = @import("sys.zig");

pub const Stop = enum(u8) {
    running,
    /// seccomp stop at syscall entry; `registers` are valid.
    syscall_entry,
    /// syscall-exit stop; `registers` are valid.
    syscall_exit,
    /// signal-delivery stop.
    signal,
    /// any other ptrace stop (events, group stops, first stop).
    other,
};

/// Where a tracee is in its life as the tracer sees it.
pub const Birth = enum(u8) {
    /// Its stops go to the policy.
    born,
    /// Created by a traced thread and stopped (held) before its creator's fork event came.
    unclaimed,
    /// Its creator's fork event came; its first stop has not.
    claimed,
};

pub const Tracee = struct {
    tid: sys.pid_t,
    stop: Stop,
    /// The policy asked to see the exit of the syscall in progress: event stops inside it
    /// (fork, clone, exec) resume with PTRACE_SYSCALL so the exit stop still comes.
    exit_stop_wanted: bool,
    birth: Birth,
    /// Its host (the index the policy gave it).
    host: u16,
    /// Whether it is its host's init (whose stops are the tracer's own business).
    is_init: bool,
    /// The argument registers and syscall number (last) a rewrite replaced, put back at the
    /// syscall-exit stop, so that a restarted syscall is the program's own.
    saved_arguments: ?[7]u64,
    /// Spawned with flag_hold_at_exec and not yet at its exec stop.
    hold_at_exec: bool,
    /// flag_single_step: resume with PTRACE_SINGLESTEP until the step's SIGTRAP stop.
    single_step: bool,
    /// A debugger holds its signals (flag_debugged): every signal stop goes to the policy.
    debugged: bool,
    /// In a group stop, restarted with PTRACE_LISTEN: stopped for job control, not for ptrace.
    listening: bool,
    /// rdtsc/rdtscp answered since its last other stop (virtual time: past a thousand, each
    /// read costs the clock a read, as busy syscalls do).
    tsc_in_row: u32,
    /// Stopped at an exec only for its AT_RANDOM bytes (not for a debugger).
    awaiting_random: bool,
    /// `registers` were changed and must be written before the tracee resumes.
    registers_dirty: bool,
    registers: sys.Registers,
};

pub const capacity = 1 << 15;
/// Live tracees at most; the rest of the capacity keeps probe chains short.
pub const count_max = capacity / 2;

pub const Table = struct {
    slots: *[capacity]Tracee,
    count: u32 = 0,

    pub fn init(allocator: std.mem.Allocator) !Table {
        const slots = try allocator.create([capacity]Tracee);
        for (slots) |*slot| slot.tid = 0;
        return .{ .slots = slots };
    }

    pub fn deinit(table: *Table, allocator: std.mem.Allocator) void {
        allocator.destroy(table.slots);
        table.* = undefined;
    }

    fn home(tid: sys.pid_t) u32 {
        assert(tid > 0);
        const hash = @as(u32, @bitCast(tid)) *% 0x9E3779B1;
        return hash % capacity;
    }

    pub fn get(table: *Table, tid: sys.pid_t) ?*Tracee {
        var index = home(tid);
        while (table.slots[index].tid != 0) : (index = (index + 1) % capacity) {
            if (table.slots[index].tid == tid) return &table.slots[index];
        }
        return null;
    }

    pub fn insert(table: *Table, tid: sys.pid_t) error{TooManyTracees}!*Tracee {
        assert(table.get(tid) == null);
        if (table.count >= count_max) return error.TooManyTracees;
        var index = home(tid);
        while (table.slots[index].tid != 0) index = (index + 1) % capacity;
        table.slots[index] = .{
            .tid = tid,
            .stop = .running,
            .exit_stop_wanted = false,
            .birth = .born,
            .host = 0,
            .is_init = false,
            .saved_arguments = null,
            .hold_at_exec = false,
            .single_step = false,
            .debugged = false,
            .listening = false,
            .tsc_in_row = 0,
            .awaiting_random = false,
            .registers_dirty = false,
            .registers = std.mem.zeroes(sys.Registers),
        };
        table.count += 1;
        return &table.slots[index];
    }

    /// Removes `tid` with backward-shift deletion, so lookups never need tombstones.
    pub fn remove(table: *Table, tid: sys.pid_t) void {
        const found = table.get(tid) orelse return;
        var hole: u32 = @intCast((@intFromPtr(found) - @intFromPtr(table.slots)) / @sizeOf(Tracee));
        var index = (hole + 1) % capacity;
        while (table.slots[index].tid != 0) : (index = (index + 1) % capacity) {
            const want = home(table.slots[index].tid);
            // Move the entry back if its home is not in (hole, index] (cyclically).
            const in_between = if (hole <= index) (want > hole and want <= index) else (want > hole or want <= index);
            if (!in_between) {
                table.slots[hole] = table.slots[index];
                hole = index;
            }
        }
        table.slots[hole].tid = 0;
        assert(table.count > 0);
        table.count -= 1;
    }

    /// Calls `f(context, tracee)` for every live tracee.
    pub fn each(table: *Table, context: anytype, comptime f: fn (@TypeOf(context), *Tracee) void) void {
        for (table.slots) |*slot| {
            if (slot.tid != 0) f(context, slot);
        }
    }
};

test "table insert, get, remove keep every other entry reachable" {
    var table = try Table.init(std.testing.allocator);
    defer table.deinit(std.testing.allocator);
    var tid: sys.pid_t = 1;
    while (tid < 5000) : (tid += 1) _ = try table.insert(tid);
    tid = 1;
    while (tid < 5000) : (tid += 2) table.remove(tid);
    tid = 1;
    while (tid < 5000) : (tid += 1) {
        try std.testing.expectEqual(@mod(tid, 2) == 0, table.get(tid) != null);
    }
    try std.testing.expectEqual(@as(u32, 2499), table.count);
}
