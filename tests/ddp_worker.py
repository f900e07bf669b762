"Run by tests/test_ddp.py under `torchrun --nproc_per_node=2`: train with DDP (gloo, CPU), save each rank's weights."

import sys

import torch

from netguard.data import mnist5k
from netguard.models import build, save_model
from netguard.train import init_distributed, train_classifier

out = sys.argv[1]
device = init_distributed('cpu')
rank = torch.distributed.get_rank()
split = mnist5k(seed=0)
train = split.private_train.subset(range(0, 2000, 2))  # every other image: all five classes
torch.manual_seed(rank)  # different initial weights on purpose: DDP must broadcast rank 0's
model = build('cnn', split.num_private, split.image_shape, width=8)
history = train_classifier(
    model,
    train,
    split.private_test,
    epochs=3,
    batch_size=16,
    seed=0,
    device=device,
    checkpoint=f'{out}/train.ckpt',
    checkpoint_every=20,
    progress=False,
)
torch.save(model.state_dict(), f'{out}/rank{rank}.pt')
if rank == 0:
    save_model(model, f'{out}/model.pt', class_names=split.private_names, extra={'val_acc': history[-1]['val_acc']})
torch.distributed.destroy_process_group()
