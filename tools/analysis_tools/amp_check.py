# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Whether a model's outputs under bfloat16 autocast match its fp32 ones."""
from typing import Union

import torch
from mmengine.config import Config

# bfloat16 keeps 8 significant bits (relative rounding 2**-9 = 0.2 %); a
# few dozen layers of such rounding give logits within a few per cent.
DEFAULT_TOLERANCE = 0.05


def amp_output_error(config: Union[str, Config, dict],
                     device: str = 'cuda',
                     size: int = 224,
                     batch: int = 8,
                     channels_last: bool = True,
                     seed: int = 0) -> dict:
    """Compare a model's logits under bfloat16 autocast with fp32 ones.

    The model is in eval mode, with its random initial weights and random
    inputs; the fp32 reference runs in the default memory format, the
    autocast run in the memory format asked for, so the check covers both
    settings of the GPU benchmark.

    Args:
        config (str | Config | dict): The model's config (see
            :func:`complexity.build_model`).
        device (str): Where to run. Defaults to 'cuda'.
        size (int): Input side. Defaults to 224.
        batch (int): Number of images. Defaults to 8.
        channels_last (bool): Run the autocast pass channels-last.
            Defaults to True.
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: ``max_abs_error``, ``relative_error`` (max abs error over the
        largest fp32 logit's magnitude), ``cosine`` (of the flattened
        logits) and ``top1_agreement`` (fraction of images with the same
        top class).
    """
    from complexity import build_model

    torch.manual_seed(seed)
    model = build_model(config).to(device).eval()
    inputs = torch.randn(batch, 3, size, size, device=device)
    with torch.inference_mode():
        reference = model(inputs, mode='tensor').float()
        if channels_last:
            model.to(memory_format=torch.channels_last)
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        with torch.autocast(torch.device(device).type, dtype=torch.bfloat16):
            amp = model(inputs, mode='tensor').float()
    error = (amp - reference).abs().max().item()
    return dict(
        max_abs_error=error,
        relative_error=error / reference.abs().max().item(),
        cosine=torch.nn.functional.cosine_similarity(
            amp.flatten(), reference.flatten(), dim=0).item(),
        top1_agreement=(
            amp.argmax(1) == reference.argmax(1)).float().mean().item())
