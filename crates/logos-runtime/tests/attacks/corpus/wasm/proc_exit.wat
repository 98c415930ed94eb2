;; attack: call WASI proc_exit(0) to end the host process, or to pass for a success without an output
;; must: accepted; the run fails with ExecErrorKind::Exit(0); the host process lives on
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "logos_execute") (param i32 i32) (result i64)
    (call $exit (i32.const 0))
    (i64.const 0))
  (@custom "logos.manifest" "{\"name\":\"proc_exit\",\"inputs\":[],\"outputs\":[{\"name\":\"ok\",\"type\":\"bool\"}]}")
)
