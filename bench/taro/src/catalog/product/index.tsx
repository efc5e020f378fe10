import { Button, Text, View } from '@tarojs/components'
import { useRouter } from '@tarojs/taro'

import { findProduct, priceText } from '../../data'
import './index.css'

export default function ProductPage() {
  const router = useRouter()
  const product = findProduct(router.params.id)
  if (!product) {
    return <View className='empty'>这件商品不存在或已下架</View>
  }
  const soldOut = product.stock === 0
  return (
    <View className='product-page'>
      <View className='gallery'>{product.name}</View>
      <View className='card'>
        <Text className='price big-price'>{priceText(product.price)}</Text>
        <Text className='stock muted'>{soldOut ? '已售罄' : `库存 ${product.stock} 件`}</Text>
        <View className='product-title'>{product.name}</View>
      </View>
      <View className='card'>
        <View className='section-title'>商品详情</View>
        {product.description.split(/\n+/).map((paragraph, index) => (
          <Text key={index} className='para' userSelect>
            {paragraph}
          </Text>
        ))}
      </View>
      <View className='buy-bar'>
        <Button className='bar-contact' openType='contact'>
          客服
        </Button>
        <Button className='buy-btn' openType='contact' disabled={soldOut}>
          {soldOut ? '已售罄' : '咨询购买'}
        </Button>
      </View>
    </View>
  )
}
