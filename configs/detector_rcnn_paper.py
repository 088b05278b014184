"""The paper's R-CNN on 48x120 proposal crops (1:2.5, cut from the original photo): plate / not
+ 4 corners normalised by the crop, loss CE + 1.0 * smooth-L1 on positives, trained with the RPN
fixed (proposals simulated around the ground truth, see alpr_jax.data.proposals).

    python train.py --config configs/detector_rcnn_paper.py --workdir runs/rcnn_paper
"""
from configs import detector_rpn_paper


def get_config():
    c = detector_rpn_paper.get_config()
    c.task = "rcnn"
    c.model = c.model.__class__(dict(width=1.0, dropout=0.2))
    c.data.batch_size = 8
    c.data.rcnn_proposals = 16          # 8 positive, 8 negative per image
    # True: half of them from the fixed RPN's proposals, mined beforehand into each train_dir
    # (python -m alpr_jax.train.mine_proposals --data DIR --rpn RPN.npz)
    c.data.mined_proposals = False
    c.data.mined_fraction = 0.5
    c.eval_rpn_weights = ""             # an RPN .npz: evaluate the whole cascade
    return c
