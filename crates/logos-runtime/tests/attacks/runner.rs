//! The runner: each attack in turn, then the invariants every attack must
//! leave intact, one report line per attack.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use logos_runtime::{SupervisorError, SupervisorEvent};

use crate::harness::{Attack, Failure, Outcome, World};

/// Runs every attack, prints one line per attack, returns the problems.
pub fn run_all(world: &World, attacks: Vec<Attack>) -> Vec<String> {
    let mut problems = Vec::new();
    let total = attacks.len();
    println!("running {total} attacks");
    for attack in attacks {
        let started = Instant::now();
        let found = run_one(world, &attack);
        let ms = started.elapsed().as_millis();
        match &found {
            Ok(got) => println!("ok    {:<44} {got} ({ms} ms)", attack.name),
            Err(why) => {
                println!("FAIL  {:<44} ({ms} ms)\n      must: {}\n      {why}", attack.name, attack.must);
                problems.push(format!("{}: {why}", attack.name));
            }
        }
    }
    println!("{} of {total} attacks held", total - problems.len());
    problems
}

/// One attack and its invariants; `Ok` holds a one-line summary of the outcome.
fn run_one(w: &World, attack: &Attack) -> Result<String, String> {
    let _ = w.events.try_iter().count();
    w.arm();
    let outcome = catch_unwind(AssertUnwindSafe(|| (attack.run)(w)))
        .map_err(|p| format!("PANICKED: {}", panic_text(&p)))?;
    let summary = summarize(&outcome);
    if let Err(Failure::Broken(why)) = &outcome {
        return Err(format!("broken promise: {why}"));
    }
    if !(attack.expect)(&outcome) {
        return Err(format!("unexpected outcome: {outcome:?}"));
    }
    let armed = w.armed.lock().expect("armed lock").expect("armed");
    let after = w.head();
    if after != armed {
        return Err(format!(
            "the ledger changed: {} entries before the attack, {} after",
            armed.size, after.size
        ));
    }
    w.sup.store().verify().map_err(|e| format!("the store no longer verifies: {e}"))?;
    let events: Vec<SupervisorEvent> = w.events.try_iter().collect();
    if let Err(Failure::Supervisor(e)) = &outcome {
        let text = e.to_string();
        let reported = events.iter().any(|ev| match ev {
            SupervisorEvent::Refused { error, .. } => *error == text,
            SupervisorEvent::Executed { error: Some(error), .. } => *error == text,
            _ => false,
        });
        if !reported {
            return Err(format!("the refusal was not reported to subscribers: {events:?}"));
        }
    }
    let mut texts = vec![format!("{outcome:?}")];
    match &outcome {
        Ok(seen) => texts.extend(seen.texts.iter().chain(&seen.logs).cloned()),
        Err(e) => texts.push(display(e)),
    }
    texts.extend(events.iter().map(|e| format!("{e:?}")));
    for text in &texts {
        if let Some(what) = w.leak(text) {
            return Err(format!("{what} leaked into: {text}"));
        }
    }
    Ok(summary)
}

fn display(f: &Failure) -> String {
    match f {
        Failure::Compile(e) => e.to_string(),
        Failure::Verify(e) => e.to_string(),
        Failure::Supervisor(e) => e.to_string(),
        Failure::Store(e) => e.to_string(),
        Failure::Bundle(e) => e.to_string(),
        Failure::Token(e) => e.to_string(),
        Failure::Broken(e) => e.clone(),
    }
}

/// The outcome's variant path, shortened for the report.
fn summarize(o: &Outcome) -> String {
    let full = match o {
        Ok(seen) if seen.outputs.is_empty() => format!("Ok({})", seen.texts.join("; ")),
        Ok(seen) => format!("Ok(outputs {:?}, {} log lines)", seen.outputs, seen.logs.len()),
        Err(Failure::Supervisor(SupervisorError::Flow(f))) => match f.exec_error() {
            Some(e) => format!("Flow(Node({:?}))", e.kind()),
            None => format!("{f:?}"),
        },
        Err(e) => format!("{e:?}"),
    };
    let one_line = full.replace('\n', " ");
    match one_line.char_indices().nth(90) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "non-string panic".into())
}
