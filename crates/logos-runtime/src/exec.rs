//! Executing one node: [`NodeSpec`] (what to run, with which grants and
//! limits), [`Execution`] (what came out), and the call sequence of the
//! node ABI over a fresh instance.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use logos_core::{CapabilitySet, DecodeLimits, NodeId, NodeManifest, PortType, Value};
use wasmtime::{InstancePre, ModuleExport, Store, Trap};

use crate::engine::ticks_for;
use crate::errors::{ExecError, ExecErrorKind, TrapKind};
use crate::limits::{LimitHit, LimitKind, Limiter, Limits};
use crate::linker::{Grants, check_module};
use crate::record::Nondet;
use crate::runtime::Runtime;
use crate::state::{Capture, HostTrap, KvSession, Logs, NodeState, Tape};

/// A node ready to run: its wasm, its manifest, the capabilities granted to
/// it and, optionally, limits lower than the runtime's.
///
/// The id is computed from the wasm here, so a spec can never pair bytes
/// with another node's id (the module cache relies on it). Cheap to clone.
#[derive(Clone, Debug)]
pub struct NodeSpec {
    inner: Arc<SpecInner>,
}

#[derive(Clone, Debug)]
struct SpecInner {
    id: NodeId,
    wasm: Arc<[u8]>,
    manifest: NodeManifest,
    input_ty: PortType,
    output_ty: PortType,
    grants: CapabilitySet,
    /// Granted and requested: what the node actually gets.
    effective: CapabilitySet,
    /// `effective` as the linker's key.
    key: Grants,
    limits: Option<Limits>,
}

impl NodeSpec {
    /// The node with this wasm and manifest, with no grants.
    pub fn new(wasm: impl Into<Arc<[u8]>>, manifest: NodeManifest) -> Self {
        let wasm = wasm.into();
        let inner = SpecInner {
            id: NodeId::of_wasm(&wasm),
            input_ty: manifest.input_record(),
            output_ty: manifest.output_record(),
            wasm,
            manifest,
            grants: CapabilitySet::none(),
            effective: CapabilitySet::none(),
            key: Grants::of(&CapabilitySet::none()),
            limits: None,
        };
        Self { inner: Arc::new(inner) }
    }

    /// Grants these capabilities (replacing earlier grants). A node only
    /// ever receives what it both requested in its manifest and was granted.
    pub fn with_grants(mut self, grants: CapabilitySet) -> Self {
        let inner = Arc::make_mut(&mut self.inner);
        inner.effective = grants.iter().filter(|c| inner.manifest.capabilities.contains(*c)).collect();
        inner.key = Grants::of(&inner.effective);
        inner.grants = grants;
        self
    }

    /// Runs the node under `limits`, lowered to the runtime's where those are lower.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        Arc::make_mut(&mut self.inner).limits = Some(limits);
        self
    }

    /// The node id (SHA-256 of the wasm).
    pub fn id(&self) -> NodeId {
        self.inner.id
    }

    /// The manifest.
    pub fn manifest(&self) -> &NodeManifest {
        &self.inner.manifest
    }

    /// The wasm bytes.
    pub fn wasm(&self) -> &[u8] {
        &self.inner.wasm
    }

    /// The node's own limits, if any.
    pub fn limits(&self) -> Option<Limits> {
        self.inner.limits
    }

    /// The granted capabilities.
    pub fn grants(&self) -> &CapabilitySet {
        &self.inner.grants
    }

    /// What the node actually gets: granted and requested.
    pub fn effective_grants(&self) -> &CapabilitySet {
        &self.inner.effective
    }

    pub(crate) fn input_ty(&self) -> &PortType {
        &self.inner.input_ty
    }

    fn err(&self, kind: ExecErrorKind) -> ExecError {
        ExecError::new(self.inner.id, &self.inner.manifest.name, kind)
    }
}

/// A successful node execution.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Execution {
    /// The output record, decoded against the manifest's output ports.
    pub output: Value,
    /// Fuel consumed.
    pub fuel: u64,
    /// `logos.log` lines.
    pub logs: Vec<String>,
    /// Captured stdout.
    pub stdout: String,
    /// Captured stderr.
    pub stderr: String,
    /// Granted clock, random and kv observations, in order.
    pub nondeterminism: Vec<Nondet>,
}

/// A node compiled, checked and linked for one grant set, with its ABI
/// exports resolved once.
#[derive(Clone)]
pub(crate) struct Prepared {
    pre: InstancePre<NodeState>,
    memory: ModuleExport,
    alloc: ModuleExport,
    execute: ModuleExport,
}

/// Per-call settings the flow runner and replay pass down.
pub(crate) struct CallCtx {
    /// Fuel limit for this call, and what to report when it runs out.
    pub fuel: Option<(u64, LimitKind)>,
    /// Wall-clock budget for this call, and what to report when it passes.
    pub wall: Option<(Duration, LimitKind)>,
    /// Replay: the recorded tape to answer from.
    pub replay: Option<Vec<Nondet>>,
}

/// Everything one call produced, success or not.
pub(crate) struct NodeRun {
    pub result: Result<Value, ExecError>,
    /// The raw output buffer, if the node returned one.
    pub output_bytes: Option<Vec<u8>>,
    pub fuel: u64,
    pub fuel_limit: u64,
    pub tape: Vec<Nondet>,
    /// Replay: recorded events left unused.
    pub tape_unused: usize,
    pub logs: Vec<String>,
    pub stdout: String,
    pub stderr: String,
}

impl Runtime {
    /// Runs `spec` once, in a fresh instance, on `input` (a value of the
    /// manifest's input record), and decodes its output against the
    /// manifest's output record.
    pub fn execute(&self, spec: &NodeSpec, input: &Value) -> Result<Execution, ExecError> {
        let bytes = input.encode(spec.input_ty()).map_err(|e| spec.err(ExecErrorKind::Input(e)))?;
        let run = self.call(spec, &bytes, CallCtx { fuel: None, wall: None, replay: None });
        let output = run.result?;
        Ok(Execution {
            output,
            fuel: run.fuel,
            logs: run.logs,
            stdout: run.stdout,
            stderr: run.stderr,
            nondeterminism: run.tape,
        })
    }

    /// Compiles and checks `spec` without running it (ungranted or unknown
    /// imports, ABI exports), warming the caches. Hosts call it at ingestion.
    pub fn prepare(&self, spec: &NodeSpec) -> Result<(), ExecError> {
        self.instance_pre(spec).map(drop).map_err(|k| spec.err(k))
    }

    fn instance_pre(&self, spec: &NodeSpec) -> Result<Prepared, ExecErrorKind> {
        let grants = spec.inner.key;
        let key = (spec.id(), grants);
        if let Ok(map) = self.inner.prepared.read()
            && let Some(p) = map.get(&key)
        {
            return Ok(p.clone());
        }
        let module = self
            .inner
            .modules
            .get(&self.inner.engine, &spec.id(), spec.wasm())
            .map_err(ExecErrorKind::Compile)?;
        check_module(&module, grants)?;
        let linker = self.inner.linkers.get(grants).map_err(ExecErrorKind::Host)?;
        let pre = linker.instantiate_pre(&module).map_err(|e| ExecErrorKind::Abi(format!("{e:#}")))?;
        let export = |name: &str| {
            module.get_export_index(name).ok_or_else(|| ExecErrorKind::Abi(format!("no exported `{name}`")))
        };
        let prepared = Prepared {
            memory: export("memory")?,
            alloc: export("logos_alloc")?,
            execute: export("logos_execute")?,
            pre,
        };
        if let Ok(mut map) = self.inner.prepared.write() {
            map.insert(key, prepared.clone());
        }
        Ok(prepared)
    }

    /// One call of the node ABI over a fresh instance.
    pub(crate) fn call(&self, spec: &NodeSpec, input: &[u8], ctx: CallCtx) -> NodeRun {
        let limits = match spec.inner.limits {
            Some(l) => self.inner.limits.min(l),
            None => self.inner.limits,
        };
        let (fuel_limit, fuel_kind) =
            ctx.fuel.unwrap_or((limits.fuel, LimitKind::Fuel { limit: limits.fuel }));
        let (wall, wall_kind) =
            ctx.wall.unwrap_or((limits.wall_clock, LimitKind::WallClock { limit: limits.wall_clock }));
        let prepared = match self.instance_pre(spec) {
            Ok(p) => p,
            Err(kind) => return NodeRun::failed(spec.err(kind), fuel_limit),
        };
        let state = NodeState {
            node: spec.id(),
            limiter: Limiter { memory_bytes: limits.memory_bytes },
            stdout: Capture::new(limits.capture_bytes as usize),
            stderr: Capture::new(limits.capture_bytes as usize),
            logs: Logs::new(limits.capture_bytes as usize),
            clock_calls: 0,
            standin_random: None,
            tape: match ctx.replay {
                Some(events) => Tape::Replay { events, pos: 0 },
                None => Tape::Record { events: Vec::new(), bytes: 0, limit: limits.tape_bytes },
            },
            kv: spec.inner.key.has(logos_core::Capability::Kv).then(|| KvSession {
                store: Arc::clone(&self.inner.kv),
                writes: BTreeMap::new(),
                written: 0,
            }),
        };
        // The slot guard outlives the store (locals drop in reverse order),
        // so the pool slot is free again before another caller takes it.
        let _slot = self.inner.slots.as_ref().map(|s| s.acquire());
        let mut store = Store::new(&self.inner.engine, state);
        store.limiter(|s| &mut s.limiter);
        let outcome = (|| -> Result<Vec<u8>, wasmtime::Error> {
            store.set_fuel(fuel_limit)?;
            store.set_epoch_deadline(ticks_for(wall));
            store.epoch_deadline_trap();
            let instance = prepared.pre.instantiate(&mut store)?;
            let missing = |what: &str| wasmtime::Error::new(Abi(format!("no exported `{what}`")));
            let memory = instance
                .get_module_export(&mut store, &prepared.memory)
                .and_then(wasmtime::Extern::into_memory)
                .ok_or_else(|| missing("memory"))?;
            let alloc = instance
                .get_module_export(&mut store, &prepared.alloc)
                .and_then(wasmtime::Extern::into_func)
                .ok_or_else(|| missing("logos_alloc"))?
                .typed::<i32, i32>(&store)?;
            let execute = instance
                .get_module_export(&mut store, &prepared.execute)
                .and_then(wasmtime::Extern::into_func)
                .ok_or_else(|| missing("logos_execute"))?
                .typed::<(i32, i32), i64>(&store)?;
            let len = i32::try_from(input.len())
                .map_err(|_| wasmtime::Error::new(Abi("input over 2 GiB".into())))?;
            let ptr = alloc.call(&mut store, len)?;
            if ptr == 0 && len > 0 {
                return Err(wasmtime::Error::new(Abi("logos_alloc returned 0 (out of memory)".into())));
            }
            memory.write(&mut store, ptr as u32 as usize, input).map_err(|_| {
                wasmtime::Error::new(Abi(format!("logos_alloc({len}) returned {ptr:#x}, outside memory")))
            })?;
            let packed = execute.call(&mut store, (ptr, len))? as u64;
            let (out_ptr, out_len) = ((packed >> 32) as u32, packed as u32);
            if out_len > limits.output_bytes {
                return Err(wasmtime::Error::new(LimitHit(LimitKind::Output {
                    limit: limits.output_bytes,
                    len: out_len,
                })));
            }
            let data = memory.data(&store);
            let range = (out_ptr as usize)
                .checked_add(out_len as usize)
                .filter(|end| *end <= data.len())
                .ok_or_else(|| {
                    wasmtime::Error::new(BadOutput(format!(
                        "output [{out_ptr:#x}, +{out_len}) lies outside memory ({} bytes)",
                        data.len()
                    )))
                })?;
            Ok(data[out_ptr as usize..range].to_vec())
        })();
        let fuel = fuel_limit.saturating_sub(store.get_fuel().unwrap_or(0));
        let mut state = store.into_data();
        let mut output_bytes = None;
        let mut result = match outcome {
            Ok(bytes) => {
                let r = decode_output(&bytes, &spec.inner.output_ty, limits.output_bytes);
                output_bytes = Some(bytes);
                r
            }
            Err(e) => Err(classify(&e, &state, fuel_kind, wall_kind)),
        }
        .map_err(|kind| spec.err(kind));
        if result.is_ok()
            && !state.tape.is_replay()
            && let Some(kv) = state.kv.take()
            && !kv.writes.is_empty()
            && let Err(e) = kv.store.put_all(&spec.id(), kv.writes.into_iter().collect())
        {
            result = Err(spec.err(ExecErrorKind::Host(e.to_string())));
        }
        NodeRun {
            result,
            output_bytes,
            fuel,
            fuel_limit,
            tape_unused: state.tape.unused(),
            stdout: state.stdout.text(),
            stderr: state.stderr.text(),
            logs: state.logs.lines,
            tape: state.tape.into_events(),
        }
    }
}

impl NodeRun {
    /// A call that failed before the guest ran.
    pub(crate) fn failed(error: ExecError, fuel_limit: u64) -> Self {
        NodeRun {
            result: Err(error),
            output_bytes: None,
            fuel: 0,
            fuel_limit,
            tape: Vec::new(),
            tape_unused: 0,
            logs: Vec::new(),
            stdout: String::new(),
            stderr: String::new(),
        }
    }
}

/// ABI breaches detected by the host during the call sequence.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Abi(String);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct BadOutput(String);

fn decode_output(bytes: &[u8], ty: &PortType, max: u32) -> Result<Value, ExecErrorKind> {
    let limits = DecodeLimits { max_bytes: max as usize, ..DecodeLimits::default() };
    match bytes.split_first() {
        None => Err(ExecErrorKind::BadOutput("empty output: the status byte is missing".into())),
        Some((0, payload)) => Value::decode_with(payload, ty, limits).map_err(ExecErrorKind::OutputType),
        Some((1, payload)) => match Value::decode_with(payload, &PortType::String, limits) {
            Ok(Value::String(msg)) => Err(ExecErrorKind::Failed(msg)),
            _ => Err(ExecErrorKind::BadOutput(
                "status 1 but the error message is not a postcard string".into(),
            )),
        },
        Some((s, _)) => Err(ExecErrorKind::BadOutput(format!("unknown status byte {s} (0 = ok, 1 = error)"))),
    }
}

/// Turns whatever stopped the guest into a typed error kind.
fn classify(e: &wasmtime::Error, st: &NodeState, fuel: LimitKind, wall: LimitKind) -> ExecErrorKind {
    if let Some(LimitHit(kind)) = e.downcast_ref::<LimitHit>() {
        return ExecErrorKind::Limit(*kind);
    }
    if let Some(h) = e.downcast_ref::<HostTrap>() {
        return match h {
            HostTrap::Exit(code) => ExecErrorKind::Exit(*code),
            HostTrap::Fault(m) => {
                ExecErrorKind::Trap { trap: TrapKind::HostFault(m.clone()), message: stderr(st) }
            }
            HostTrap::Tape(m) => ExecErrorKind::Tape(m.clone()),
            HostTrap::Limit(kind) => ExecErrorKind::Limit(*kind),
            HostTrap::Host(m) => ExecErrorKind::Host(m.clone()),
        };
    }
    if let Some(Abi(m)) = e.downcast_ref::<Abi>() {
        return ExecErrorKind::Abi(m.clone());
    }
    if let Some(BadOutput(m)) = e.downcast_ref::<BadOutput>() {
        return ExecErrorKind::BadOutput(m.clone());
    }
    if let Some(trap) = e.downcast_ref::<Trap>() {
        let kind = match trap {
            Trap::OutOfFuel => return ExecErrorKind::Limit(fuel),
            Trap::Interrupt => return ExecErrorKind::Limit(wall),
            Trap::UnreachableCodeReached => TrapKind::Unreachable,
            Trap::MemoryOutOfBounds | Trap::HeapMisaligned => TrapKind::MemoryOutOfBounds,
            Trap::StackOverflow => TrapKind::StackOverflow,
            Trap::IntegerDivisionByZero => TrapKind::DivisionByZero,
            Trap::IntegerOverflow => TrapKind::IntegerOverflow,
            Trap::BadConversionToInteger => TrapKind::BadConversion,
            Trap::TableOutOfBounds | Trap::IndirectCallToNull | Trap::BadSignature => {
                TrapKind::BadIndirectCall
            }
            other => TrapKind::Other(other.to_string()),
        };
        return ExecErrorKind::Trap { trap: kind, message: stderr(st) };
    }
    ExecErrorKind::Host(format!("{e:#}"))
}

fn stderr(st: &NodeState) -> Option<String> {
    (!st.stderr.is_empty()).then(|| st.stderr.text().trim_end().to_owned())
}
