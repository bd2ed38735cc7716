// Package presets builds the seed's two image pipelines (the blog's aug_tran and norm_tran, in
// bench/python/seed.py) from package transforms, as torchvision's references/classification/presets.py
// builds ImageNet's. It is the one definition that training, the tests and the benchmarks share, and
// it is pure Go. The seed reads:
//
//	SIZE = (32,32)
//	mean = (0.4914, 0.4822, 0.4465)
//	std = (0.247, 0.243, 0.261)
//	norm_tran = transforms.Compose([transforms.Resize(SIZE), transforms.ToTensor(), transforms.Normalize(mean=mean, std=std)])
//	aug_tran = transforms.Compose([transforms.RandomHorizontalFlip(),
//	                               transforms.RandomRotation(15),
//	                               transforms.RandomResizedCrop(SIZE, scale=(0.08, 1.0), ratio=(0.75, 1.3333333333333333), interpolation=3),
//	                               transforms.ToTensor(),
//	                               transforms.Normalize(mean=mean, std=std)])
package presets

import "github.com/aecifar/aecifar/torch/vision/transforms"

// Mean and Std are the seed's per-channel normalisation constants (CIFAR-10's, from
// kuangliu/pytorch-cifar issue 19).
var (
	Mean = [3]float64{0.4914, 0.4822, 0.4465}
	Std  = [3]float64{0.247, 0.243, 0.261}
)

// AugTran is the seed's aug_tran, the training (and validation) pipeline: RandomHorizontalFlip,
// RandomRotation(15), RandomResizedCrop((32,32), scale (0.08,1), ratio (0.75,4/3), bicubic),
// ToTensor, Normalize(Mean, Std).
func AugTran() transforms.Compose {
	return transforms.Compose{
		transforms.NewRandomHorizontalFlip(),
		transforms.NewRandomRotation(15),
		&transforms.RandomResizedCrop{Size: [2]int{32, 32}, Scale: [2]float64{0.08, 1.0},
			Ratio: [2]float64{0.75, 1.3333333333333333}, Interpolation: transforms.Interpolation(3)},
		transforms.ToTensor{},
		normalize(),
	}
}

// NormTran is the seed's norm_tran, the test pipeline: Resize((32,32)), ToTensor,
// Normalize(Mean, Std).
func NormTran() transforms.Compose {
	return transforms.Compose{transforms.NewResize(32, 32), transforms.ToTensor{}, normalize()}
}

// normalize returns Normalize(Mean, Std) over copies of the constants, so that no pipeline shares
// its slices with the package's variables or another pipeline.
func normalize() *transforms.Normalize {
	m, s := Mean, Std
	return &transforms.Normalize{Mean: m[:], Std: s[:]}
}
