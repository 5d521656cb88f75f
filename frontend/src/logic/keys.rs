//! The moderation view's keyboard shortcuts.

use crate::i18n::moderation::Msg;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Next,
    Previous,
    Hide,
    Unhide,
    Approve,
    Reject,
    Select,
    Search,
    Help,
    Close,
}

/// The shortcuts, for the help panel: (key, what it does).
pub const HELP: [(&str, Msg); 10] = [
    ("j", Msg::KeyNext),
    ("k", Msg::KeyPrevious),
    ("h", Msg::KeyHide),
    ("u", Msg::KeyRestore),
    ("a", Msg::KeyApprove),
    ("r", Msg::KeyReject),
    ("x", Msg::KeySelect),
    ("/", Msg::KeySearch),
    ("?", Msg::KeyHelp),
    ("Esc", Msg::KeyClose),
];

/// The command for a key press. Letters do nothing while the moderator
/// types in a field (there they are text) or holds a modifier (those keys
/// belong to the browser); Escape always works.
pub fn command(key: &str, modified: bool, in_field: bool) -> Option<Command> {
    if key == "Escape" {
        return Some(Command::Close);
    }
    if modified || in_field {
        return None;
    }
    Some(match key {
        "j" | "ArrowDown" => Command::Next,
        "k" | "ArrowUp" => Command::Previous,
        "h" => Command::Hide,
        "u" => Command::Unhide,
        "a" => Command::Approve,
        "r" => Command::Reject,
        "x" => Command::Select,
        "/" => Command::Search,
        "?" => Command::Help,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_are_commands_only_outside_fields_and_without_modifiers() {
        assert_eq!(command("j", false, false), Some(Command::Next));
        assert_eq!(command("h", false, false), Some(Command::Hide));
        assert_eq!(command("?", false, false), Some(Command::Help));
        assert_eq!(command("h", false, true), None, "typing in a field");
        assert_eq!(command("h", true, false), None, "Ctrl+H is the browser's");
        assert_eq!(command("Escape", false, true), Some(Command::Close));
        assert_eq!(command("q", false, false), None);
    }

    #[test]
    fn every_command_is_in_the_help() {
        for key in ["j", "k", "h", "u", "a", "r", "x", "/", "?"] {
            assert!(HELP.iter().any(|(k, _)| *k == key), "{key}");
        }
    }
}
