// Transformer model catalog and the arithmetic derived from its architecture. Pure:
// no simulation state. Sources: Meta's Llama 3.1 / 3.2 model cards and config.json (docs/physics.md, Sources).

/** A decoder-only transformer with grouped-query attention and a SwiGLU MLP. */
export interface ModelArch {
  id: string;
  layers: number;
  hidden: number;
  /** Query heads. */
  heads: number;
  /** Key/value heads (grouped-query attention: several query heads share one). */
  kv_heads: number;
  head_dim: number;
  /** MLP intermediate size (SwiGLU: gate, up and down projections). */
  ffn: number;
  vocab: number;
  /** Input embedding and output head share weights (false for Llama 3.1). */
  tied_embeddings: boolean;
}

export type NumberFormat = 'bf16' | 'fp8';
export interface Precision {
  weights: NumberFormat;
  kv: NumberFormat;
}
export const BF16: Precision = { weights: 'bf16', kv: 'bf16' };

export const bytesPer = (f: NumberFormat): number => (f === 'fp8' ? 1 : 2);

const llama = (id: string, layers: number, hidden: number, heads: number, ffn: number): ModelArch => ({
  id,
  layers,
  hidden,
  heads,
  kv_heads: 8,
  head_dim: 128,
  ffn,
  vocab: 128_256,
  tied_embeddings: false,
});

/** Llama 3.1 (Meta's model cards / config.json on Hugging Face) and a Llama 3.2 draft. */
export const MODELS: Readonly<Record<string, ModelArch>> = {
  'llama-3.1-8b': llama('llama-3.1-8b', 32, 4096, 32, 14_336),
  'llama-3.1-70b': llama('llama-3.1-70b', 80, 8192, 64, 28_672),
  'llama-3.1-405b': llama('llama-3.1-405b', 126, 16_384, 128, 53_248),
  // The draft model of the AWS Neuron speculative-decoding tutorials. config.json of
  // meta-llama/Llama-3.2-1B on Hugging Face: num_hidden_layers 16, hidden_size 2048,
  // num_attention_heads 32, num_key_value_heads 8, head_dim 64, intermediate_size 8192,
  // vocab_size 128256, tie_word_embeddings true (1.24 B parameters).
  'llama-3.2-1b': {
    id: 'llama-3.2-1b',
    layers: 16,
    hidden: 2048,
    heads: 32,
    kv_heads: 8,
    head_dim: 64,
    ffn: 8192,
    vocab: 128_256,
    tied_embeddings: true,
  },
};

/** Weights of one layer: Q, K, V, O projections, the three MLP matrices, two norms. */
function layerParams(m: ModelArch): number {
  const q = m.hidden * m.heads * m.head_dim;
  const kv = 2 * m.hidden * m.kv_heads * m.head_dim;
  const o = m.heads * m.head_dim * m.hidden;
  return q + kv + o + 3 * m.hidden * m.ffn + 2 * m.hidden;
}

/** All parameters: layers, final norm, input embedding and (untied) output head. */
export function parameterCount(m: ModelArch): number {
  const embeddings = m.vocab * m.hidden * (m.tied_embeddings ? 1 : 2);
  return m.layers * layerParams(m) + m.hidden + embeddings;
}

/**
 * Parameters that take part in a matrix multiply per token: everything but the input
 * embedding, which is a table lookup. FLOPs per token ≈ 2 × this.
 */
export function matmulParameters(m: ModelArch): number {
  return parameterCount(m) - m.vocab * m.hidden * (m.tied_embeddings ? 0 : 1);
}

export function weightBytes(m: ModelArch, p: Precision): number {
  return parameterCount(m) * bytesPer(p.weights);
}

/** KV cache per token: K and V, for every layer and KV head (GQA), 2·L·h_kv·d·bytes. */
export function kvBytesPerToken(m: ModelArch, p: Precision): number {
  return 2 * m.layers * m.kv_heads * m.head_dim * bytesPer(p.kv);
}

/** Dense FLOPs of one token's forward pass, excluding attention over the context. */
export function flopsPerToken(m: ModelArch): number {
  return 2 * matmulParameters(m);
}

/**
 * Attention FLOPs of one new token against `context` cached tokens: QKᵀ and AV, each
 * 2·heads·head_dim FLOPs per (query, key) pair, in every layer.
 */
export function attentionFlopsPerToken(m: ModelArch, context: number): number {
  return 4 * m.layers * m.heads * m.head_dim * context;
}

/**
 * Attention FLOPs of prefilling a prompt of L tokens with a causal mask: about L²/2
 * (query, key) pairs per head, so 2·layers·heads·head_dim·L² in all. Callers pass Σ L².
 */
export function prefillAttentionFlops(m: ModelArch, sumSquaredTokens: number): number {
  return 2 * m.layers * m.heads * m.head_dim * sumSquaredTokens;
}

/** Bytes of KV cache a finished prefill hands to its decoder: the prompt's KV. */
export function kvHandoffBytes(m: ModelArch, p: Precision, promptTokens: number): number {
  return promptTokens * kvBytesPerToken(m, p);
}
