//! The runtime of the size-tuned build (feature `bare`): no std, so no panic-printing and no
//! formatting code is linked. A panic (there should be none: the parser is panic-free by
//! construction and fuzzed) traps, which JavaScript sees as a `RuntimeError`. Its allocator
//! (feature `bare-alloc`) is also what the wasm tests run with.

#[cfg(feature = "bare")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// A free-list allocator that coalesces (650 bytes, where std's is about 5 KB). Behind a lock,
/// which on one thread is never contended, so that no `unsafe` is needed to share it.
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
