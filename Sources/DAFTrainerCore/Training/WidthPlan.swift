// SPDX-License-Identifier: MIT
// The one place that decides what a save asks libdaf for: a SaveRole in, daf_save_params out
// (its slot, its kind, and its width: fixed per role, or DAF_BITS_AUTO for libdaf's planner).
import CDAF

/// How a fixed --bits applies to the saved tensors.
public enum Widths: String, Sendable, CaseIterable {
    /// --bits for every tensor except softmax probabilities and bottlenecks, which keep 8 bits.
    /// Probabilities: a 256-value group is a softmax row (or two), and at 2-bit nearest its
    /// many small probabilities all decode to the row's minimum, which biases the cross-entropy
    /// and attention gradients. Bottlenecks (SaveRole.isBottleneck): an error in their backward
    /// reaches every gradient; the GPT's final LN input at 2 bits alone made a small GPT's
    /// validation loss climb while fp32's fell (the trainer's README).
    case safe
    /// --bits for every tensor except softmax probabilities, which keep 8 bits.
    case probabilities
    /// --bits for every tensor (still above each role's floor).
    case uniform
}

struct WidthPlan {
    /// The context's bits (daf_options.bits).
    let bits: Int
    let widths: Widths
    /// Non-negative tensors (ReLU outputs, probabilities) companded by libdaf.
    var companding = true
    /// Saves ask for DAF_BITS_AUTO: libdaf's planner chooses their widths, except softmax
    /// probabilities, which keep `keptBits`: their sensitivity as reported (the gradient they
    /// meet in a product, ActivationStore.reportGradient) does not see the softmax backward,
    /// where a small probability coming back large is multiplied by the score gradient; the
    /// planner gave the GPT's attention probabilities 1 bit, and its validation loss rose from
    /// 2.70 at step 100 to 3.73 at step 150 while fp32's fell to 2.68 (the trainer's README).
    var automatic = false
    /// The width of the tensors a plan keeps: a fixed plan's probabilities and bottlenecks (8
    /// bits unless set), an automatic plan's probabilities (4 unless set: companded, every GPT
    /// tensor at 4 bits ended within 0.7 % of fp32's loss; daf-train --kept-bits).
    var keptBits: Int? = nil
    var keptWidth: Int { keptBits ?? (automatic ? 4 : 8) }

    /// libdaf's slot of a role (0 means "no slot" there).
    static func slot(of role: SaveRole) -> UInt32 { UInt32(role.slot + 1) }

    /// Whether libdaf's planner chooses this role's width (an automatic float save; exact
    /// integers and the kept probabilities are not planned).
    func isPlanned(_ role: SaveRole) -> Bool {
        guard automatic else { return false }
        switch role.kind {
        case .float, .reluOutput: return true
        case .probabilities, .integer: return false
        }
    }

    /// Whether libdaf stores this role's square roots (DAF_KIND_NONNEGATIVE).
    func compands(_ role: SaveRole) -> Bool {
        companding && (role.kind == .reluOutput || role.kind == .probabilities)
    }

    /// The width a role is saved with in a fixed-width run.
    func bits(for role: SaveRole) -> Int {
        var b = max(bits, role.minimumBits)
        let keeps = switch widths {
        case .safe: role.kind == .probabilities || role.isBottleneck
        case .probabilities: role.kind == .probabilities
        case .uniform: false
        }
        if keeps { b = max(b, keptWidth) }
        return b
    }

    /// daf_save's parameters for one save of `role`: its slot and kind, its width (0 when it is
    /// the context's own; DAF_BITS_AUTO when the planner chooses) and its importance (deeper
    /// tensors higher: the backward pass needs them first, so under a budget the shallow ones
    /// give way).
    func parameters(for role: SaveRole) throws -> daf_save_params {
        var params = daf_save_params()
        try checkDAF(daf_save_params_init_sized(&params, MemoryLayout<daf_save_params>.size), "daf_save_params_init", nil)
        params.slot = Self.slot(of: role)
        params.importance = Float(role.depth)
        switch role.kind {
        case .float: params.kind = UInt32(DAF_KIND_FLOAT.rawValue)
        case .reluOutput, .probabilities:
            params.kind = UInt32((compands(role) ? DAF_KIND_NONNEGATIVE : DAF_KIND_FLOAT).rawValue)
        case .integer(let maximum):
            params.kind = UInt32(DAF_KIND_INTEGER.rawValue)
            params.int_max = maximum
        }
        if automatic {
            params.bits = role.kind == .probabilities ? UInt32(keptWidth) : DAF_BITS_AUTO
        } else {
            let b = bits(for: role)
            params.bits = b == bits ? 0 : UInt32(b)
        }
        return params
    }
}
