;; attack: share a memory with the host (or another instance) by importing it
;; must: VerifyError::ImportNotFunction { kind: "memory" } at ingestion
(module
  (import "env" "memory" (memory 1))
  (export "memory" (memory 0))
  (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "logos_execute") (param i32 i32) (result i64)
    ;; output: status 0, then record{ok: bool} = true, at 2048
    (i32.store8 (i32.const 2048) (i32.const 0))
    (i32.store8 (i32.const 2049) (i32.const 1))
    (i64.or (i64.shl (i64.const 2048) (i64.const 32)) (i64.const 2)))
  (@custom "logos.manifest" "{\"name\":\"imported_memory\",\"inputs\":[],\"outputs\":[{\"name\":\"ok\",\"type\":\"bool\"}]}")
)
