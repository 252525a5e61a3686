"""ember.distributed.algorithms: DDP communication hooks (torch's module path)."""
