//! The `chime` command.

fn main() -> std::process::ExitCode {
    chime_backend::cli::main()
}
