// SPDX-License-Identifier: MIT
// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) as Debian's dataset-fashion-mnist installs it:
// 28x28 grey images, 10 classes, 60000 training and 10000 test examples. Pixels are kept as
// bytes and normalized when a batch is built.

public struct LabeledImages: Sendable {
    public static let side = 28
    public static let pixels = 28 * 28
    public static let classes = 10
    /// Mean and standard deviation of the training pixels scaled to [0, 1].
    static let pixelMean: Float = 0.2860
    static let pixelStd: Float = 0.3530

    /// count x 784 bytes, row-major.
    let pixels: [UInt8]
    public let labels: [UInt8]

    public var count: Int { labels.count }

    /// The first `limit` examples (all when nil or larger).
    public func prefix(_ limit: Int?) -> LabeledImages {
        guard let limit, limit < count else { return self }
        return LabeledImages(pixels: Array(pixels[0..<limit * Self.pixels]), labels: Array(labels[0..<limit]))
    }

    /// Writes the normalized images of `indices` as one batch in the trainer's layout
    /// (C=1, B, 28, 28) into `images` and their labels into `labels`.
    func fillBatch(_ indices: ArraySlice<Int>, images: FloatBuffer, labels out: inout [Int]) {
        out.removeAll(keepingCapacity: true)
        let scale = 1 / (255 * Self.pixelStd), shift = Self.pixelMean / Self.pixelStd
        pixels.withUnsafeBufferPointer { src in
            for (b, example) in indices.enumerated() {
                let from = src.baseAddress! + example * Self.pixels
                let to = images.pointer + b * Self.pixels
                for p in 0..<Self.pixels { to[p] = Float(from[p]) * scale - shift }
                out.append(Int(labels[example]))
            }
        }
    }
}

public struct FashionMNIST: Sendable {
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"

    public let train: LabeledImages
    public let test: LabeledImages

    /// Loads the four files; throws TrainerError.dataMissing (naming the Debian package) when
    /// they are not there.
    public init(directory: String = defaultDirectory) throws {
        train = try Self.load(directory, "train")
        test = try Self.load(directory, "t10k")
    }

    static func load(_ directory: String, _ prefix: String) throws -> LabeledImages {
        let imagePath = "\(directory)/\(prefix)-images-idx3-ubyte.gz"
        let labelPath = "\(directory)/\(prefix)-labels-idx1-ubyte.gz"
        let images = try IDXFile(path: imagePath)
        let labels = try IDXFile(path: labelPath)
        guard images.dimensions.count == 3, images.dimensions[1] == 28, images.dimensions[2] == 28 else {
            throw TrainerError.dataCorrupt(path: imagePath, reason: "dimensions \(images.dimensions), expected N x 28 x 28")
        }
        guard labels.dimensions == [images.dimensions[0]] else {
            throw TrainerError.dataCorrupt(path: labelPath, reason: "\(labels.dimensions) labels for \(images.dimensions[0]) images")
        }
        guard labels.bytes.allSatisfy({ $0 < 10 }) else {
            throw TrainerError.dataCorrupt(path: labelPath, reason: "a label is not in 0...9")
        }
        return LabeledImages(pixels: images.bytes, labels: labels.bytes)
    }
}
