import { useState } from 'react'
import { Navigator, ScrollView, Text, View } from '@tarojs/components'
import Taro, { useRouter } from '@tarojs/taro'

import { categories, priceText, productsIn } from '../../data'
import './index.css'

export default function CategoryPage() {
  const router = useRouter()
  const [current, setCurrent] = useState(router.params.id || categories[0].id)
  const category = categories.find((candidate) => candidate.id === current)
  const items = productsIn(current)

  function choose(id: string) {
    setCurrent(id)
    const name = categories.find((candidate) => candidate.id === id)?.name
    if (name) Taro.setNavigationBarTitle({ title: name })
  }

  return (
    <View className='category-page'>
      <ScrollView className='category-tabs' scrollX enableFlex>
        {categories.map((item) => (
          <View
            key={item.id}
            className={`category-tab ${item.id === current ? 'category-tab-active' : ''}`}
            onClick={() => choose(item.id)}
          >
            {item.name}
          </View>
        ))}
      </ScrollView>
      {category && (
        <View className='product-list'>
          {items.map((product) => (
            <Navigator key={product.id} className='product-row' url={`/catalog/product/index?id=${product.id}`}>
              <View className='row-image'>{product.name}</View>
              <View className='row-info'>
                <View className='row-name'>{product.name}</View>
                <Text className='price'>{priceText(product.price)}</Text>
                {product.stock === 0 && <Text className='muted'> 已售罄</Text>}
              </View>
            </Navigator>
          ))}
          {items.length === 0 && <View className='empty'>这个分类暂时没有商品</View>}
        </View>
      )}
    </View>
  )
}
