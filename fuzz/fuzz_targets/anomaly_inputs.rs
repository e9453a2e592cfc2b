//! The anomaly crate's parsers of untrusted text: a policy file (TOML), a rules file, a
//! baseline file, a Codex hook input, and a policy check of arbitrary call arguments. The
//! input's first line is the policy TOML, the rest the arguments. None may panic; a policy
//! that parses must give the same verdict twice; the built-in policy must judge any
//! arguments; a hook input that parses must give its tool input as text.
#![no_main]

use agentobs_anomaly::{Baselines, Policy, RuleSet};
use agentobs_codex::hooks::HookInput;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (policy_text, args) = text.split_once('\n').unwrap_or((text, ""));
    let _ = RuleSet::from_toml(text, "fuzz.toml", None);
    let _ = Baselines::from_json(text, "fuzz.json");
    if let Ok(h) = HookInput::parse(text) {
        let _ = h.tool_input_text();
        let _ = h.event();
    }
    let default = Policy::default();
    let _ = default.check("shell", args, Some("/w"));
    let _ = default.check("apply_patch", text, None);
    if let Ok(p) = Policy::from_toml(&policy_text.replace("\\n", "\n"), "fuzz.toml") {
        let a = p.check("exec_command", args, Some("/w"));
        let b = p.check("exec_command", args, Some("/w"));
        assert_eq!(a, b);
    }
});
