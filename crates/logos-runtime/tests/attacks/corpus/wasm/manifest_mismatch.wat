;; attack: declare to the host a contract (output u64) other than the one embedded in the wasm (output bool)
;; must: VerifyError::ManifestMismatch at ingestion
;; declared: {"name":"manifest_mismatch","inputs":[],"outputs":[{"name":"ok","type":"u64"}]}
(module
  (memory (export "memory") 1)
  (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "logos_execute") (param i32 i32) (result i64)
    ;; output: status 0, then record{ok: bool} = true, at 2048
    (i32.store8 (i32.const 2048) (i32.const 0))
    (i32.store8 (i32.const 2049) (i32.const 1))
    (i64.or (i64.shl (i64.const 2048) (i64.const 32)) (i64.const 2)))
  (@custom "logos.manifest" "{\"name\":\"manifest_mismatch\",\"inputs\":[],\"outputs\":[{\"name\":\"ok\",\"type\":\"bool\"}]}")
)
