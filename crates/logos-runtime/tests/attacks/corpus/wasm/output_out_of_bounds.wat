;; attack: return an output pointer past the end of its memory, so the host reads (or copies) out of bounds
;; must: accepted; the run fails with ExecErrorKind::BadOutput, nothing is read outside the guest's memory
(module
  (memory (export "memory") 1)
  (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "logos_execute") (param i32 i32) (result i64)
    ;; out_ptr = 65000, out_len = 1000: ends past the 64 KiB memory
    (i64.or (i64.shl (i64.const 65000) (i64.const 32)) (i64.const 1000)))
  (@custom "logos.manifest" "{\"name\":\"output_out_of_bounds\",\"inputs\":[],\"outputs\":[{\"name\":\"ok\",\"type\":\"bool\"}]}")
)
