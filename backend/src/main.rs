//! The `chime` command.

// Serving is allocation-heavy (requests, headers, JSON): mimalloc's
// thread-local free lists cost far less than glibc malloc's arena locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    chime_backend::startup::cli::main()
}
