// SPDX-License-Identifier: MIT
// Where every opaque pointer handed to C is resolved: the registries of live contexts and
// pools (ObjectRegistry), and the pools' per-thread fast path (PoolLookup). Entry handles
// (daf_handle) are keys of their context's StoreState, resolved under its lock.

/// Live contexts: a daf_context * is an id of this registry (kind 1).
let contexts = ObjectRegistry<ActivationStore>(kind: 1)

/// Live pools: a daf_pool * is an id of this registry (kind 2).
let pools = ObjectRegistry<LockedPagePool>(kind: 2)
