/** The models the CLI trains: a small CNN for 8x8 digits and LeNet-5 for 28x28 images. */
import { nn } from '../index.js';

/** conv-pool-conv-pool-dense for [N, 1, 8, 8] inputs, 10 classes. */
export function digitsCnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 'same' }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 'same' }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(32 * 2 * 2, 64),
    new nn.ReLU(),
    new nn.Linear(64, 10),
  );
}

/** LeNet-5 (with ReLU and max pooling, as commonly trained today) for [N, 1, 28, 28] inputs. */
export function lenet5(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(16 * 5 * 5, 120),
    new nn.ReLU(),
    new nn.Linear(120, 84),
    new nn.ReLU(),
    new nn.Linear(84, 10),
  );
}
