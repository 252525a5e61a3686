"""A nanoGPT-style DDP training loop (its structure and calls, torch renamed to ember): gradient
accumulation through `model.require_backward_grad_sync`, AdamW, gradient clipping, the loss
all-reduced for logging. Rank 0 also trains the same model in one process on every rank's
micro-batches and checks that the parameters agree. Run by tests/test_distributed.py."""
import math
import os

import ember
import ember.nn as nn
from ember.distributed import destroy_process_group, init_process_group
from ember.nn import functional as F
from ember.nn.parallel import DistributedDataParallel as DDP


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head = n_head

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab=32, block=16, n_embd=32, n_head=4, n_layer=2):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, n_embd), wpe=nn.Embedding(block, n_embd),
            h=nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)]), ln_f=nn.LayerNorm(n_embd)))
        self.lm_head = nn.Linear(n_embd, vocab, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying, as nanoGPT

    def forward(self, idx, targets):
        pos = ember.arange(0, idx.size(1), dtype=ember.long)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def get_batch(step, micro, rank, batch_size=4, block=16, vocab=32):
    g = ember.Generator().manual_seed(1000 * step + 10 * micro + rank)
    data = ember.randint(0, vocab, (batch_size, block + 1), generator=g)
    return data[:, :-1].contiguous(), data[:, 1:].contiguous()


def main():
    init_process_group(backend="gloo")
    ddp_rank = int(os.environ["RANK"])
    ddp_local_rank = int(os.environ["LOCAL_RANK"])
    ddp_world_size = int(os.environ["WORLD_SIZE"])
    master_process = ddp_rank == 0
    assert ddp_local_rank == ddp_rank
    gradient_accumulation_steps = 2
    ember.manual_seed(1337)
    model = GPT()
    reference = GPT()
    reference.load_state_dict(model.state_dict())
    model = DDP(model)
    raw_model = model.module
    optimizer = ember.optim.AdamW(raw_model.parameters(), lr=3e-3, weight_decay=0.1, betas=(0.9, 0.95))
    ref_optimizer = ember.optim.AdamW(reference.parameters(), lr=3e-3, weight_decay=0.1, betas=(0.9, 0.95))
    for step in range(4):
        for micro_step in range(gradient_accumulation_steps):
            model.require_backward_grad_sync = (micro_step == gradient_accumulation_steps - 1)
            X, Y = get_batch(step, micro_step, ddp_rank)
            _, loss = model(X, Y)
            (loss / gradient_accumulation_steps).backward()
        ember.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        logged = loss.detach().clone()
        ember.distributed.all_reduce(logged, op=ember.distributed.ReduceOp.AVG)

        # one process, every rank's micro-batches: the mean over ranks and micro-steps
        for r in range(ddp_world_size):
            for micro_step in range(gradient_accumulation_steps):
                X, Y = get_batch(step, micro_step, r)
                _, ref_loss = reference(X, Y)
                (ref_loss / (gradient_accumulation_steps * ddp_world_size)).backward()
        ember.nn.utils.clip_grad_norm_(reference.parameters(), 1.0)
        ref_optimizer.step()
        ref_optimizer.zero_grad(set_to_none=True)
        if master_process:
            print(f"step {step}: loss {logged.item():.4f}", flush=True)
    for (name, p), q in zip(raw_model.named_parameters(), reference.parameters()):
        err = (p - q).abs().max().item()
        assert err < 1e-4 * max(1.0, q.abs().max().item()), f"{name} differs from one-process training by {err}"
    assert math.isfinite(logged.item())
    destroy_process_group()
    print(f"rank {ddp_rank}: nanogpt OK", flush=True)


if __name__ == "__main__":
    main()
