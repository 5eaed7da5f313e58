//! A bounded single-producer single-consumer ring of Messages, guarded by its owner's mutex.

const std = @import("std");
const assert = std.debug.assert;
const Message = @import("protocol.zig").Message;

pub fn Ring(comptime capacity: u32) type {
    comptime assert(std.math.isPowerOfTwo(capacity));
    return struct {
        const Self = @This();
        pub const count_max = capacity;

        items: [capacity]Message = undefined,
        head: u32 = 0, // next index to pop, wraps
        tail: u32 = 0, // next index to push, wraps

        pub fn count(self: *const Self) u32 {
            const n = self.tail -% self.head;
            assert(n <= capacity);
            return n;
        }

        pub fn free(self: *const Self) u32 {
            return capacity - self.count();
        }

        pub fn push(self: *Self, message: Message) error{NoSpaceLeft}!void {
            if (self.free() == 0) return error.NoSpaceLeft;
            self.push_assume_capacity(message);
        }

        pub fn push_assume_capacity(self: *Self, message: Message) void {
            assert(self.free() > 0);
            self.items[self.tail % capacity] = message;
            self.tail +%= 1;
        }

        pub fn pop(self: *Self) ?Message {
            if (self.count() == 0) return null;
            const message = self.items[self.head % capacity];
            self.head +%= 1;
            return message;
        }
    };
}

test "ring keeps order and refuses overflow" {
    var ring: Ring(4) = .{};
    for (0..4) |i| {
        var message = Message.zero;
        message.kind = @intCast(i);
        try ring.push(message);
    }
    try std.testing.expectError(error.NoSpaceLeft, ring.push(Message.zero));
    for (0..4) |i| try std.testing.expectEqual(@as(u32, @intCast(i)), ring.pop().?.kind);
    try std.testing.expect(ring.pop() == null);
}
