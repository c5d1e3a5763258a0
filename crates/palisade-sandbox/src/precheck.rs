//! The pre-compilation pass: cheap structural limits checked with `wasmparser` before a module
//! reaches Cranelift, because compilation is outside wasmtime's security policy (50,000 tiny
//! functions took ~8 s to compile on our 2-core machine).

use wasmtime::wasmparser::{Encoding, Operator, Parser, Payload, TypeRef};

use crate::error::{Error, ErrorKind};
use crate::limits::Limits;

/// Checks `bytes` against the structural `limits` and the import allowlist (`granted` says
/// whether a function import `module::name` is granted). Returns the first violation.
pub(crate) fn precheck(
    bytes: &[u8],
    limits: &Limits,
    granted: &dyn Fn(&str, &str) -> bool,
) -> Result<(), Error> {
    if bytes.len() > limits.module_bytes {
        return Err(too_large(format!(
            "module is {} bytes, over the limit of {} bytes",
            bytes.len(),
            limits.module_bytes
        )));
    }
    let mut functions: u64 = 0;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(invalid)? {
            Payload::Version { encoding, .. } if encoding != Encoding::Module => {
                return Err(Error::new(
                    ErrorKind::InvalidModule,
                    "components are not supported: give a core WebAssembly module",
                ));
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(invalid)?;
                    let is_function = matches!(import.ty, TypeRef::Func(_));
                    if !is_function || !granted(import.module, import.name) {
                        return Err(Error::new(
                            ErrorKind::ForbiddenImport,
                            format!(
                                "the module imports `{}::{}`, which is not granted: register a \
                                 host function under that name or remove the import",
                                import.module, import.name
                            ),
                        ));
                    }
                    functions = functions.saturating_add(1);
                }
            }
            Payload::FunctionSection(reader) => {
                functions = functions.saturating_add(u64::from(reader.count()));
                if functions > u64::from(limits.functions) {
                    return Err(too_large(format!(
                        "module has {functions} functions, over the limit of {}",
                        limits.functions
                    )));
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let memory = memory.map_err(invalid)?;
                    let page = 1u64.checked_shl(memory.page_size_log2.unwrap_or(16));
                    let initial = page.and_then(|page| memory.initial.checked_mul(page));
                    if initial.is_none_or(|bytes| bytes > limits.memory_bytes) {
                        return Err(Error::new(
                            ErrorKind::MemoryLimit,
                            format!(
                                "module declares an initial memory of {} pages, over the limit \
                                 of {} bytes",
                                memory.initial, limits.memory_bytes
                            ),
                        ));
                    }
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table.map_err(invalid)?;
                    if table.ty.initial > u64::from(limits.table_elements) {
                        return Err(Error::new(
                            ErrorKind::TableLimit,
                            format!(
                                "module declares a table of {} elements, over the limit of {}",
                                table.ty.initial, limits.table_elements
                            ),
                        ));
                    }
                }
            }
            Payload::CodeSectionEntry(body) => check_body(&body, limits)?,
            _ => {}
        }
    }
    Ok(())
}

fn check_body(body: &wasmtime::wasmparser::FunctionBody<'_>, limits: &Limits) -> Result<(), Error> {
    let size = body.range().len();
    if size > limits.function_body_bytes as usize {
        return Err(too_large(format!(
            "a function body is {size} bytes, over the limit of {} bytes",
            limits.function_body_bytes
        )));
    }
    let mut locals: u64 = 0;
    for entry in body.get_locals_reader().map_err(invalid)? {
        let (count, _) = entry.map_err(invalid)?;
        locals = locals.saturating_add(u64::from(count));
        if locals > u64::from(limits.locals_per_function) {
            return Err(too_large(format!(
                "a function declares over {} locals",
                limits.locals_per_function
            )));
        }
    }
    let mut reader = body.get_operators_reader().map_err(invalid)?;
    let mut depth: u32 = 0;
    while !reader.eof() {
        match reader.read().map_err(invalid)? {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. } => {
                depth = depth.saturating_add(1);
                if depth > limits.nesting_depth {
                    return Err(too_large(format!(
                        "a function nests blocks deeper than {}",
                        limits.nesting_depth
                    )));
                }
            }
            Operator::End => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn too_large(message: String) -> Error {
    Error::new(ErrorKind::ModuleTooLarge, message)
}

fn invalid(err: wasmtime::wasmparser::BinaryReaderError) -> Error {
    Error::new(
        ErrorKind::InvalidModule,
        format!("not a valid WebAssembly module: {}", err.message()),
    )
}
