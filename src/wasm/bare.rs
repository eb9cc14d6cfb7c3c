//! The runtime of the size-tuned build (feature `bare`): no std, so no panic-printing and no
//! formatting code is linked. A panic (there should be none: the parser is panic-free by
//! construction and fuzzed) traps, which JavaScript sees as a `RuntimeError`. Its allocator
//! (feature `bare-alloc`) is also what the wasm tests run with.

#[cfg(feature = "bare")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

// SAFETY: wasm32-unknown-unknown without the atomics feature has exactly one thread.
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
